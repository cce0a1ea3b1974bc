import {
  MongoClientClosedError, MongoError, MongoNetworkError, MongoNotConnectedError, MongoServerClosedError, MongoServerError,
  MongoServerSelectionError, MongoTopologyClosedError,
} from 'mongodb';

/** Server codes meaning the server cannot serve now: shutting down, stepping down, not primary, network. */
const UNAVAILABLE_SERVER_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Driver errors of a pool that cannot serve (not all are exported as classes). */
const UNAVAILABLE_ERROR_NAMES = new Set(['MongoWaitQueueTimeoutError', 'MongoPoolClearedError', 'MongoOperationTimeoutError', 'MongoNetworkTimeoutError']);

export function isMongoUnavailable(error: unknown): boolean {
  if (error instanceof Error && UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  if (
    error instanceof MongoNetworkError
    || error instanceof MongoServerSelectionError
    || error instanceof MongoTopologyClosedError
    || error instanceof MongoNotConnectedError
    || error instanceof MongoServerClosedError
    || error instanceof MongoClientClosedError
  ) return true;
  if (error instanceof MongoServerError && UNAVAILABLE_SERVER_CODES.has(Number(error.code))) return true;
  return error instanceof MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool'));
}

/** The URI as it may be shown: without a password (or any user information). */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1***@');
}
