import { Command, Option } from 'commander';

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
 * A commander program with `-c, --config <file>` (flag > env var > default, read it from
 * `program.opts().config`), `-v, --version`, `-h, --help`, and the environment variables
 * listed in the help footer. Add app options, then `program.parse()`.
 */
export function createCliProgram(options: CliProgramOptions): Command {
  const version = options.version ?? (typeof __INTERLINK_VERSION__ === 'string' ? __INTERLINK_VERSION__ : '0.0.0');
  const program = new Command(options.name)
    .description(options.description)
    .version(version, '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError()
    .allowExcessArguments(false);
  const configOption = new Option('-c, --config <file>', 'configuration file (YAML)');
  if (options.configEnvVar) configOption.env(options.configEnvVar);
  if (options.defaultConfigPath) configOption.default(options.defaultConfigPath);
  program.addOption(configOption);

  const env = Object.entries(options.envVars ?? {});
  if (options.configEnvVar) env.unshift([options.configEnvVar, 'configuration file path']);
  if (env.length > 0) {
    const width = Math.max(...env.map(([name]) => name.length));
    const lines = env.map(([name, key]) => `  ${name.padEnd(width)}  overrides ${key}`);
    program.addHelpText('after', `\nEnvironment variables:\n${lines.join('\n').replace(/overrides configuration file path/, 'configuration file path')}\n`);
  }
  return program;
}

/**
 * Map parsed commander options to loadConfig `overrides`: `{ sidecarUrl: 'SidecarURL' }` turns
 * `--sidecar-url x` into `{ SidecarURL: 'x' }`. Options left unset are omitted.
 */
export function flagOverrides(opts: Record<string, unknown>, mapping: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(mapping)) {
    if (opts[flag] !== undefined) out[key] = opts[flag];
  }
  return out;
}
