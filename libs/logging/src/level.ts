import { LOG_LEVELS, type LogLevel } from './logger';

/** `"DEBUG"`, `"warning"` etc. → a LogLevel; undefined when unrecognised. */
export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  return (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : undefined;
}

/**
 * Level from the upstream config keys: `VerboseLogging` → debug, `ErrorsOnlyLogging` → error
 * (verbose wins when both are set, as upstream). Otherwise env `LOG_LEVEL`, otherwise info.
 */
export function levelFromConfig(
  config: { VerboseLogging?: boolean; ErrorsOnlyLogging?: boolean },
  env: Record<string, string | undefined> = process.env,
): LogLevel {
  if (config.VerboseLogging) return 'debug';
  if (config.ErrorsOnlyLogging) return 'error';
  return parseLogLevel(env['LOG_LEVEL']) ?? 'info';
}
