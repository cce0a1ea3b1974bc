import { pino, type DestinationStream } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** An error as it may be logged: its name and message, never its own properties (which may hold values). */
const errorFields = (value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value);

/**
 * One JSON object per line (pino): `{"level":"info","time":"<ISO>","msg":...,...fields}`. Callers
 * pass only what may be logged: identifiers, never a secret or a token value; `error` fields are
 * reduced to their name and message.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: null,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { error: errorFields },
  };
  const log = destination ? pino(options, destination) : pino(options);
  const at = (lineLevel: LogLevel) => (message: string, fields: LogFields = {}) => log[lineLevel](fields, message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
