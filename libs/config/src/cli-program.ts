import type { Command } from 'commander';

export interface CliProgramOptions {
  /** Program name shown in help (e.g. `interlink`). */
  name: string;
  description: string;
  /** Printed by `--version`; default the build-time `__INTERLINK_VERSION__`. */
  version?: string;
  /** Env var naming the config file (e.g. `INTERLINKCONFIGPATH`); shown in help. */
  configEnvVar?: string;
  /** Default config file path when neither `--config` nor `configEnvVar` is given. */
  defaultConfigPath?: string;
  /** ENV_VAR → config key, listed in the help text under "Environment variables". */
  envVars?: Record<string, string>;
}

/**
 * A commander program with `--config <file>`, `--version`, `--help`, and the environment
 * variables documented in the help footer. Add your own options, then call
 * `program.parse()` and read `configPathFrom(program)`-style via `program.opts().config`
 * (already resolved: flag > env var > default).
 */
export declare function createCliProgram(options: CliProgramOptions): Command;
