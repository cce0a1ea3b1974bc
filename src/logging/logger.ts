import type { LogLevel } from '../configuration/index.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per line. Callers pass only what may be logged: identifiers, never a secret or
 * a token value; `error` fields are reduced to their name and message.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = SEVERITY[level];
  const log = (lineLevel: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (SEVERITY[lineLevel] < threshold) return;
    const entry: LogFields = { time: new Date().toISOString(), level: lineLevel, msg: message };
    for (const [key, value] of Object.entries(fields)) {
      entry[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
