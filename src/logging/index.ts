export { createLogger, silentLogger, type Logger, type LogFields } from './logger.js';
