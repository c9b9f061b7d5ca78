import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

/** JSON logs; credentials in headers never reach a line. `destination`: stdout unless given (the bench writes to /dev/null). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'portico' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.token',
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
