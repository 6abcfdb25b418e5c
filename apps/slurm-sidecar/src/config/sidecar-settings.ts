import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@interlink/config';
import type { LogLevel } from '@interlink/logging';
import { pluginListenAddress, pluginMetricsListen } from '@interlink/plugin-server';
import { parseMemorySize } from './quantity';
import { RUNTIME_NAMES, type RuntimeName, type SlurmSidecarConfig } from './sidecar-config';
import { parseAdminFlags } from '../pod/annotation-flags';
import { DEFAULT_ALLOWED_SLURM_FLAGS, unallowableReason, type FlagPolicy } from '../pod/flag-policy';
import type { SbatchFlag } from '../pod/sbatch-flags';

export interface Flavor {
  name: string;
  description: string;
  cpuDefault: number;
  /** bytes; 0 = unset */
  memoryDefault: number;
  uid?: number;
  flags: SbatchFlag[];
}

/** The configuration after cross-field validation, with derived values ready to use. */
export interface SidecarSettings {
  raw: SlurmSidecarConfig;
  dataRoot: string;
  defaultRuntime: RuntimeName;
  allowedRuntimes: ReadonlySet<RuntimeName>;
  /** bytes; 0 = do not emit --mem by default */
  memoryDefault: number;
  cpuDefault: number;
  baseFlags: SbatchFlag[];
  flavors: Map<string, Flavor>;
  defaultFlavor?: Flavor;
  /** what pods may pass through slurm-job.vk.io/flags */
  flagPolicy: FlagPolicy;
  allowedHostPathPrefixes: string[];
  /** http://host:port or unix:///path for the plugin server */
  listen: string;
  token?: string;
  /** Anonymous /metrics listener for scrapers (config MetricsListen). */
  metricsListen?: string;
  logLevel: LogLevel;
}

export function resolveSettings(cfg: SlurmSidecarConfig, cwd = process.cwd()): SidecarSettings {
  if (cfg.DataRootFolder.trim() === '')
    throw new ConfigError('config key "DataRootFolder": must not be empty', 'DataRootFolder');
  const dataRoot = resolve(cwd, cfg.DataRootFolder);
  if (cfg.Socket !== '' && !cfg.Socket.startsWith('unix://')) {
    throw new ConfigError(`config key "Socket": must start with unix:// (got "${cfg.Socket}")`, 'Socket');
  }
  let listen: string;
  try {
    listen = pluginListenAddress({
      Socket: cfg.Socket,
      SidecarPort: cfg.SidecarPort,
      SidecarHost: cfg.SidecarHost,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message, cfg.Socket ? 'Socket' : 'SidecarPort');
  }
  let token: string | undefined;
  if (cfg.BearerTokenFile !== '') {
    try {
      token = readFileSync(cfg.BearerTokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        `config key "BearerTokenFile": cannot read ${cfg.BearerTokenFile}: ${(err as Error).message}`,
        'BearerTokenFile',
      );
    }
    if (token === '')
      throw new ConfigError(
        `config key "BearerTokenFile": ${cfg.BearerTokenFile} is empty`,
        'BearerTokenFile',
      );
  }
  for (const key of ['SbatchPath', 'ScancelPath', 'SqueuePath', 'SinfoPath', 'BashPath'] as const) {
    if (cfg[key].trim() === '') throw new ConfigError(`config key "${key}": must not be empty`, key);
  }
  if (!isAbsolute(cfg.BashPath))
    throw new ConfigError(
      `config key "BashPath": must be an absolute path (got "${cfg.BashPath}")`,
      'BashPath',
    );

  const allowed = new Set<RuntimeName>();
  for (const [i, name] of cfg.AllowedContainerRuntimes.entries()) {
    if (!(RUNTIME_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(
        `config key "AllowedContainerRuntimes[${i}]": unknown runtime "${name}" (one of ${RUNTIME_NAMES.join(', ')})`,
        `AllowedContainerRuntimes.${i}`,
      );
    }
    allowed.add(name as RuntimeName);
  }
  if (allowed.size === 0) for (const n of RUNTIME_NAMES) allowed.add(n);
  allowed.add(cfg.ContainerRuntime);

  const memoryDefault = memoryOf(cfg.MemoryDefault, 'MemoryDefault');
  const baseFlags = flagsOf(cfg.SlurmFlags, 'SlurmFlags');
  if (cfg.Partition !== '') baseFlags.unshift({ name: 'partition', value: cfg.Partition });

  const flavors = new Map<string, Flavor>();
  for (const [key, f] of Object.entries(cfg.Flavors)) {
    const where = `Flavors.${key}`;
    const name = f.Name === '' ? key : f.Name;
    flavors.set(name, {
      name,
      description: f.Description,
      cpuDefault: f.CPUDefault,
      memoryDefault: memoryOf(f.MemoryDefault, `${where}.MemoryDefault`),
      ...(f.UID !== undefined ? { uid: f.UID } : {}),
      flags: flagsOf(f.SlurmFlags, `${where}.SlurmFlags`),
    });
  }
  let defaultFlavor: Flavor | undefined;
  if (cfg.DefaultFlavor !== '') {
    defaultFlavor = flavors.get(cfg.DefaultFlavor);
    if (!defaultFlavor) {
      throw new ConfigError(
        `config key "DefaultFlavor": no flavor named "${cfg.DefaultFlavor}"`,
        'DefaultFlavor',
      );
    }
  }
  for (const [i, p] of cfg.AllowedHostPathPrefixes.entries()) {
    if (!isAbsolute(p)) {
      throw new ConfigError(
        `config key "AllowedHostPathPrefixes[${i}]": must be an absolute path`,
        `AllowedHostPathPrefixes.${i}`,
      );
    }
  }
  return {
    raw: cfg,
    dataRoot,
    defaultRuntime: cfg.ContainerRuntime,
    allowedRuntimes: allowed,
    memoryDefault,
    cpuDefault: cfg.CPUDefault,
    baseFlags,
    flavors,
    ...(defaultFlavor ? { defaultFlavor } : {}),
    flagPolicy: flagPolicyOf(cfg),
    allowedHostPathPrefixes: cfg.AllowedHostPathPrefixes.map((p) => resolve(p)),
    listen,
    ...(token ? { token } : {}),
    ...metricsListenOf(cfg.MetricsListen),
    logLevel: cfg.VerboseLogging ? 'debug' : cfg.ErrorsOnlyLogging ? 'error' : 'info',
  };
}

function memoryOf(value: string | number, key: string): number {
  if (value === '' || value === 0) return 0;
  try {
    const bytes = parseMemorySize(value);
    if (bytes < 2 ** 20) throw new Error('less than 1 MiB');
    return bytes;
  } catch (err) {
    throw new ConfigError(
      `config key "${key}": invalid memory size "${value}" (${(err as Error).message}; e.g. 16G, 32000M)`,
      key,
    );
  }
}

function flagsOf(list: string[], key: string): SbatchFlag[] {
  try {
    // Administrator flags are trusted: no allow-list, but they must still be well-formed.
    return parseAdminFlags(list);
  } catch (err) {
    throw new ConfigError(`config key "${key}": ${(err as Error).message}`, key);
  }
}

/**
 * AllowedSlurmFlags replaces the built-in list, ExtraAllowedSlurmFlags adds to it; options the
 * sidecar manages or the job identity can never be allowed, so naming one is a start-up error.
 */
function flagPolicyOf(cfg: SlurmSidecarConfig): FlagPolicy {
  const named = (key: 'AllowedSlurmFlags' | 'ExtraAllowedSlurmFlags') =>
    cfg[key].map((f, i) => {
      const name = f.trim().replace(/^-+/, '');
      const why = unallowableReason(name);
      if (why)
        throw new ConfigError(
          `config key "${key}[${i}]": --${name} cannot be allowed (${why})`,
          `${key}.${i}`,
        );
      return name;
    });
  const replaced = named('AllowedSlurmFlags');
  const extra = named('ExtraAllowedSlurmFlags');
  const base = replaced.length > 0 ? replaced : DEFAULT_ALLOWED_SLURM_FLAGS;
  return { allowed: new Set([...base, ...extra]), configured: new Set([...replaced, ...extra]) };
}

function metricsListenOf(value: string): { metricsListen?: string } {
  try {
    const metricsListen = pluginMetricsListen(value);
    return metricsListen ? { metricsListen } : {};
  } catch (err) {
    throw new ConfigError((err as Error).message, 'MetricsListen');
  }
}
