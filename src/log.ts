import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Paths pino replaces with "[REDACTED]" wherever they appear in a log line:
 * tokens and OTLP headers must never reach the logs, even in a debug dump.
 */
export const REDACT_PATHS = [
  'config.ingest.tokens',
  'config.otlp.headers',
  'config.metrics.bearerTokens',
  'config.metrics.basicAuthUsers',
  'config.status.token',
  'req.headers.authorization',
  'headers.authorization',
  '*.authorization',
];

/**
 * JSON logs to stdout (or the given stream, for tests); one child logger per
 * component. Written synchronously: the agent logs state changes, never per
 * event, so a line lost at exit would cost more than the write.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'qb-agent' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
