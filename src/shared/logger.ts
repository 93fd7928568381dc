// Structured JSON logs (pino) on stdout, or on a given stream (tests capture it to check nothing secret leaks).
import pino, { type DestinationStream, type Logger } from 'pino';

/** Secrets are never logged: these paths are censored should they ever appear in a log object. */
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'secret',
  '*.secret',
  'variables',
  '*.variables',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'health-services-exchange' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
