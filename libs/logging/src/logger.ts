import { serializeError } from './serialize';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

/** Where lines go. Default: process.stdout. Tests pass an array-backed sink. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** Service name written into every line (e.g. `interlink`, `slurm-sidecar`). */
  service: string;
  /** Minimum level emitted. Default: env `LOG_LEVEL` if valid, else `info`. */
  level?: LogLevel;
  /** Default `process.stdout`. Each call receives one complete line ending in `\n`. */
  destination?: LogDestination;
  /** Fields added to every line of this logger. */
  fields?: LogFields;
}

export interface Logger {
  readonly level: LogLevel;
  isLevelEnabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger writing the same destination with `fields` added to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// Reserved keys stay first and cannot be overwritten by user fields (a field named `msg`
// would otherwise hide the real message).
const RESERVED = new Set(['time', 'level', 'service', 'msg']);

export function createLogger(options: LoggerOptions): Logger {
  const envLevel = process.env['LOG_LEVEL']?.toLowerCase();
  const level: LogLevel =
    options.level ?? ((LOG_LEVELS as readonly string[]).includes(envLevel ?? '') ? (envLevel as LogLevel) : 'info');
  return new JsonLogger(options.service, level, options.destination ?? process.stdout, options.fields ?? {});
}

class JsonLogger implements Logger {
  constructor(
    private readonly service: string,
    readonly level: LogLevel,
    private readonly destination: LogDestination,
    private readonly bound: LogFields,
  ) {}

  isLevelEnabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.service, this.level, this.destination, { ...this.bound, ...fields });
  }

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.isLevelEnabled(level)) return;
    const line: LogFields = { time: new Date().toISOString(), level, service: this.service, msg };
    const withStack = this.level === 'debug';
    for (const source of [this.bound, fields]) {
      if (!source) continue;
      for (const [key, value] of Object.entries(source)) {
        if (RESERVED.has(key) || value === undefined) continue;
        line[key] = value instanceof Error ? serializeError(value, withStack) : value;
      }
    }
    let text: string;
    try {
      text = JSON.stringify(line, safeReplacer());
    } catch {
      text = JSON.stringify({ time: line['time'], level, service: this.service, msg, logError: 'unserialisable fields' });
    }
    try {
      this.destination.write(text + '\n');
    } catch {
      // A broken log sink must never take the service down.
    }
  }
}

/** Handles bigint and cycles, which JSON.stringify would throw on. */
function safeReplacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return serializeError(value, false);
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}
