import { ConfigError, loadConfig } from '@interlink/config';
import { logUnhandledRejections, serveUntilSignalled } from '@interlink/http-kit';
import { createLogger } from '@interlink/logging';
import { buildRelayCli, normalizeGoFlags, readCli } from './cli/RelayCli';
import { RELAY_ENV_VARS, RelayConfigSchema } from './config/RelayConfigSchema';
import { toRelaySettings } from './config/RelaySettings';
import { createRelay } from './Relay';

async function main(): Promise<void> {
  const program = buildRelayCli();
  program.parse(normalizeGoFlags(process.argv));
  const cli = readCli(program);
  const bootLogger = createLogger({ service: 'interlink' });

  let settings;
  let config;
  try {
    config = loadConfig({
      schema: RelayConfigSchema,
      file: cli.configPath,
      fileOptional: !cli.configPathExplicit,
      env: RELAY_ENV_VARS,
      overrides: cli.overrides,
      logger: bootLogger,
    });
    settings = toRelaySettings(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`interlink: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (cli.checkOnly) {
    process.stdout.write(`${JSON.stringify({ configFile: cli.configPath, settings }, null, 2)}\n`);
    return;
  }

  const logger = createLogger({ service: 'interlink', level: settings.logLevel });
  if (config.Pprof.Enabled || process.env['ENABLE_PPROF'] === 'true') {
    logger.warn('Pprof is a Go runtime feature and is ignored; use node --inspect or --cpu-prof instead');
  }
  if (process.env['ENABLE_TRACING'] === '1') logger.warn('ENABLE_TRACING is not supported; use the structured logs and /metrics');

  const relay = createRelay(settings, logger, __INTERLINK_VERSION__);
  await serveUntilSignalled(relay, { logger, timeoutMs: settings.shutdownTimeoutMs });
}

logUnhandledRejections('interlink');

void main();
