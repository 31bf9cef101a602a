// Structured logging (pino) on stderr. Every line passes through value redaction before it is written.
import { type Logger, pino } from 'pino';
import { redact } from './secrets.ts';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stderr. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? process.stderr;
  const stream = {
    write(line: string) {
      out.write(redact(line));
    },
  };
  return pino(
    {
      level: opts.level ?? process.env.ACSYNC_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: {
        paths: ['apiKey', '*.apiKey', 'headers["api-token"]', '*.headers["api-token"]'],
        censor: '[REDACTED]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A logger that drops everything (for tests and library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
