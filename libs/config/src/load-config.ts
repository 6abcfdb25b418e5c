import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from '@interlink/logging';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error';
import { findUnknownKeys, setPath } from './key-paths';
import { validateConfig } from './validate';

export interface LoadConfigOptions<T extends TObject> {
  /**
   * TypeBox object schema; `default`s fill missing keys (give nested objects `default: {}` so
   * their own defaults apply). Keys are matched case-sensitively, like upstream YAML.
   */
  schema: T;
  /** YAML file path. When given it must exist (upstream: a missing file is fatal). */
  file?: string;
  /** When true, a missing `file` is not an error: only env/overrides/defaults are used. */
  fileOptional?: boolean;
  /** ENV_VAR → dotted key path (`{ INTERLINKPORT: 'InterlinkPort', TLSCERT: 'TLS.CertFile' }`). */
  env?: Record<string, string>;
  /** Environment to read; default process.env. Empty values are ignored (as upstream). */
  environment?: Record<string, string | undefined>;
  /** Dotted key path → value (CLI flags). Undefined values are ignored. */
  overrides?: Record<string, unknown>;
  /** Receives the unknown-keys warning. */
  logger?: Logger;
}

/**
 * Load, merge (defaults < file < env < overrides), default and validate. Scalars are coerced to
 * the schema type (`"3000"` → 3000 for integers, `3000` → `"3000"` for strings, `"true"` → true).
 * Unknown keys are dropped with a warning.
 * @throws ConfigError naming the bad key or file.
 */
export function loadConfig<T extends TObject>(options: LoadConfigOptions<T>): Static<T> {
  const sources = new Map<string, string>();
  const data = options.file !== undefined ? readYamlFile(options.file, options.fileOptional === true) : {};
  const fileLabel = options.file !== undefined ? `file ${options.file}` : 'file';
  for (const key of Object.keys(data)) sources.set(key, fileLabel);

  const environment = options.environment ?? process.env;
  for (const [name, path] of Object.entries(options.env ?? {})) {
    const value = environment[name];
    if (value === undefined || value === '') continue;
    setPath(data, path, value);
    sources.set(path, `env ${name}`);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(data, path, value);
    sources.set(path, 'command line');
  }

  const unknown = findUnknownKeys(options.schema, data);
  if (unknown.length > 0) {
    options.logger?.warn('ignoring unknown configuration keys', { keys: unknown, file: options.file });
    for (const path of unknown) setPath(data, path, undefined);
  }
  validateConfig(options.schema, data, (path) => describeSource(path, sources), options.file);
  return data as Static<T>;
}

function describeSource(path: string, sources: Map<string, string>): string | undefined {
  // The most specific recorded source wins (TLS.CertFile from env beats TLS from file).
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const s = sources.get(p);
    if (s) return s;
  }
  return undefined;
}

function readYamlFile(file: string, optional: boolean): Record<string, unknown> {
  if (!existsSync(file)) {
    if (optional) return {};
    throw new ConfigError(`config file ${file}: not found`, undefined, file);
  }
  if (statSync(file).isDirectory()) throw new ConfigError(`config file ${file}: is a directory`, undefined, file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${file}: cannot read (${(err as Error).message})`, undefined, file);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const firstLine = (err as Error).message.split('\n')[0];
    throw new ConfigError(`config file ${file}: invalid YAML: ${firstLine}`, undefined, file);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file}: top level must be a mapping of keys to values`, undefined, file);
  }
  return parsed as Record<string, unknown>;
}


