import { ConfigError, createCliProgram, loadConfig } from '@interlink/config';
import { logUnhandledRejections, serveUntilSignalled } from '@interlink/http-kit';
import { createLogger } from '@interlink/logging';
import { SIDECAR_ENV_VARS, SidecarConfigSchema } from './config/sidecar-config';
import { toSidecarSettings, type SidecarSettings } from './config/sidecar-settings';
import { createDockerSidecar } from './sidecar';

const SERVICE = 'docker-sidecar';

async function main(): Promise<void> {
  const program = createCliProgram({
    name: SERVICE,
    description: 'interLink plugin that runs pods as Docker containers',
    configEnvVar: 'INTERLINKCONFIGPATH',
    defaultConfigPath: '/etc/interlink/InterLinkConfig.yaml',
    envVars: SIDECAR_ENV_VARS,
  });
  program.option('--check-config', 'validate the configuration, print the effective settings and exit');
  program.parse(process.argv);
  const opts = program.opts<{ config: string; checkConfig?: boolean }>();
  const explicit = program.getOptionValueSource('config') !== 'default';
  const bootLogger = createLogger({ service: SERVICE });

  let settings: SidecarSettings;
  try {
    const config = loadConfig({
      schema: SidecarConfigSchema,
      file: opts.config,
      fileOptional: !explicit,
      env: SIDECAR_ENV_VARS,
      logger: bootLogger,
    });
    settings = toSidecarSettings(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${SERVICE}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (opts.checkConfig) {
    const credentials = settings.backend.registryCredentials.map((c) => ({ ...c, Password: '(set)' }));
    const shown = {
      ...settings,
      token: settings.token ? '(set)' : undefined,
      backend: { ...settings.backend, registryCredentials: credentials },
    };
    process.stdout.write(`${JSON.stringify({ configFile: opts.config, settings: shown }, null, 2)}\n`);
    return;
  }
  const logger = createLogger({ service: SERVICE, level: settings.logLevel });
  const sidecar = createDockerSidecar(settings, logger, __INTERLINK_VERSION__);
  await serveUntilSignalled(sidecar, { logger, context: { docker: settings.dockerEndpoint } });
}

logUnhandledRejections(SERVICE);

void main();
