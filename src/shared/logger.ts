import pino from 'pino';

/** JSON logs; secrets are never logged (Authorization headers are redacted should they appear). */
export function createLogger(level: string) {
  return pino({
    level,
    base: { service: 'health-services-exchange' },
    redact: { paths: ['req.headers.authorization', 'authorization', 'secret', '*.secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
