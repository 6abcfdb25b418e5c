import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from '@interlink/logging';

export interface LoadConfigOptions<T extends TObject> {
  /** TypeBox object schema; `default`s fill missing keys. Keys are matched case-sensitively. */
  schema: T;
  /** YAML file path. When given it must exist (upstream: a missing file is fatal). */
  file?: string;
  /** When true (default false), a missing `file` is not an error: only env/overrides/defaults. */
  fileOptional?: boolean;
  /** ENV_VAR → dotted key path (`{ INTERLINKPORT: 'InterlinkPort', TLSCERT: 'TLS.CertFile' }`). */
  env?: Record<string, string>;
  /** Environment to read; default process.env. */
  environment?: Record<string, string | undefined>;
  /** Dotted key path → value (CLI flags). Undefined values are ignored. */
  overrides?: Record<string, unknown>;
  /** Receives the unknown-keys warning and the "loaded" info line. */
  logger?: Logger;
}

/**
 * Load, merge, default and validate. String values from env/overrides are converted to the
 * schema type at their path (integer, number, boolean) before validation.
 * @throws ConfigError naming the bad key or file.
 */
export declare function loadConfig<T extends TObject>(options: LoadConfigOptions<T>): Static<T>;
