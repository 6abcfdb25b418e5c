import { ConfigError, createCliProgram, loadConfig } from '@interlink/config';
import { logUnhandledRejections, serveUntilSignalled } from '@interlink/http-kit';
import { createLogger } from '@interlink/logging';
import { checkBinaries } from './config/binaries';
import {
  CONFIG_ENV_VARS,
  CONFIG_PATH_ENV,
  DEFAULT_CONFIG_PATH,
  SlurmSidecarConfigSchema,
} from './config/sidecar-config';
import { resolveSettings, type SidecarSettings } from './config/sidecar-settings';
import { createSlurmSidecar } from './sidecar';

const SERVICE = 'slurm-sidecar';

/** Upstream's Go flags (`-SlurmConfigpath x`, `-verbose`, `-errorsonly`) in commander form. */
function normalizeGoFlags(argv: string[]): string[] {
  return argv.map((a) =>
    a
      .replace(/^--?SlurmConfigpath(=|$)/i, '--config$1')
      .replace(/^-verbose$/, '--verbose')
      .replace(/^-errorsonly$/, '--errors-only'),
  );
}

async function main(): Promise<void> {
  const program = createCliProgram({
    name: SERVICE,
    description: 'interLink plugin that runs pods as Slurm batch jobs',
    configEnvVar: CONFIG_PATH_ENV,
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    envVars: CONFIG_ENV_VARS,
  });
  program
    .option('--verbose', 'debug logging (VerboseLogging)')
    .option('--errors-only', 'log errors only (ErrorsOnlyLogging)')
    .option('--check-config', 'validate the configuration, print the effective settings and exit');
  program.parse(normalizeGoFlags(process.argv));
  const opts = program.opts<{
    config: string;
    verbose?: boolean;
    errorsOnly?: boolean;
    checkConfig?: boolean;
  }>();
  const explicit = program.getOptionValueSource('config') !== 'default';
  const bootLogger = createLogger({ service: SERVICE });

  let settings: SidecarSettings;
  try {
    const config = loadConfig({
      schema: SlurmSidecarConfigSchema,
      file: opts.config,
      fileOptional: !explicit,
      env: CONFIG_ENV_VARS,
      overrides: {
        ...(opts.verbose ? { VerboseLogging: true } : {}),
        ...(opts.errorsOnly ? { ErrorsOnlyLogging: true } : {}),
      },
      logger: bootLogger,
    });
    settings = resolveSettings(config);
    checkBinaries(config, bootLogger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${SERVICE}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (opts.checkConfig) {
    const shown = {
      ...settings,
      token: settings.token ? '(set)' : undefined,
      flavors: Object.fromEntries(settings.flavors),
    };
    process.stdout.write(
      `${JSON.stringify({ configFile: opts.config, settings: shown }, (_k, v: unknown) => (v instanceof Set ? [...v] : v), 2)}\n`,
    );
    return;
  }
  const logger = createLogger({ service: SERVICE, level: settings.logLevel });
  const sidecar = createSlurmSidecar(settings, logger, __INTERLINK_VERSION__);
  await serveUntilSignalled(sidecar, { logger });
}

logUnhandledRejections(SERVICE);

void main();
