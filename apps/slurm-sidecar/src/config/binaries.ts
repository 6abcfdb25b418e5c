import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { ConfigError } from '@interlink/config';
import type { Logger } from '@interlink/logging';
import type { SlurmSidecarConfig } from './sidecar-config';

/** The path a command name resolves to (PATH lookup for bare names), or undefined. */
export function findExecutable(command: string, pathEnv = process.env['PATH'] ?? ''): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : pathEnv
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return isAbsolute(c) ? c : join(process.cwd(), c);
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * The sidecar cannot work without sbatch, squeue, scancel and bash: a missing one is a
 * configuration error naming the key. sacct, sinfo and scontrol only degrade features.
 */
export function checkBinaries(cfg: SlurmSidecarConfig, log: Logger): void {
  for (const key of ['SbatchPath', 'SqueuePath', 'ScancelPath', 'BashPath'] as const) {
    if (!findExecutable(cfg[key]))
      throw new ConfigError(`config key "${key}": "${cfg[key]}" is not an executable (or not on PATH)`, key);
  }
  for (const key of ['SacctPath', 'SinfoPath', 'ScontrolPath'] as const) {
    if (cfg[key] !== '' && !findExecutable(cfg[key]))
      log.warn(`config key "${key}": "${cfg[key]}" not found; related features are degraded`, { key });
  }
}
