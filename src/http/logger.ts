import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

/** JSON logs; credentials in headers never reach a line. */
export function createLogger(level: LogLevel): Logger {
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
  });
}
