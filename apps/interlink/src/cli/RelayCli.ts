import { Option, type Command } from 'commander';
import { createCliProgram, flagOverrides } from '@interlink/config';
import { CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH, RELAY_ENV_VARS } from '../config/RelayConfigSchema';

/** commander option name → config key. Flags win over env vars, which win over the file. */
export const FLAG_KEYS: Record<string, string> = {
  interlinkAddress: 'InterlinkAddress',
  interlinkPort: 'InterlinkPort',
  sidecarUrl: 'SidecarURL',
  sidecarPort: 'SidecarPort',
  verbose: 'VerboseLogging',
  errorsonly: 'ErrorsOnlyLogging',
  tlsCertFile: 'TLS.CertFile',
  tlsKeyFile: 'TLS.KeyFile',
  tlsCaCertFile: 'TLS.CACertFile',
  tokenFile: 'Auth.TokenFile',
  jwksFile: 'Auth.JWKSFile',
  jwksUrl: 'Auth.JWKSURL',
  issuer: 'Auth.Issuer',
  audience: 'Auth.Audience',
  allowedGroup: 'Auth.AllowedGroups',
  sidecarTokenFile: 'SidecarTokenFile',
  bodyLimitBytes: 'BodyLimitBytes',
  statusBatchSize: 'StatusBatchSize',
  socketMode: 'SocketMode',
};

// Go's flag package accepts `-flag`; upstream documents `-verbose`, `-errorsonly`,
// `-interlinkconfigpath` and `-version`. Rewrite them to the long form commander understands.
const GO_STYLE = /^-(verbose|errorsonly|interlinkconfigpath|version)(=.*)?$/;

export function normalizeGoFlags(argv: string[]): string[] {
  return argv.map((a, i) => (i >= 2 && GO_STYLE.test(a) ? `-${a}` : a));
}

export function buildRelayCli(): Command {
  const program = createCliProgram({
    name: 'interlink',
    description: 'interLink relay: the API between virtual kubelets and one plugin (hop 1 → hop 2)',
    configEnvVar: CONFIG_PATH_ENV,
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    envVars: RELAY_ENV_VARS,
  });
  program
    .addOption(new Option('--interlinkconfigpath <file>', 'same as --config (upstream flag name)').hideHelp())
    .option('--interlink-address <url>', 'listen address: unix:///path, http://host or https://host (InterlinkAddress)')
    .option('--interlink-port <port>', 'listen port for http/https (InterlinkPort)')
    .option('--sidecar-url <url>', 'plugin address: unix:///path, http://host or https://host (SidecarURL)')
    .option('--sidecar-port <port>', 'plugin port (SidecarPort)')
    .option('--verbose', 'debug logging (VerboseLogging)')
    .option('--errorsonly', 'log errors only (ErrorsOnlyLogging)')
    .option('--tls-cert-file <file>', 'server certificate (TLS.CertFile)')
    .option('--tls-key-file <file>', 'server key (TLS.KeyFile)')
    .option('--tls-ca-cert-file <file>', 'require client certificates signed by this CA (TLS.CACertFile)')
    .option('--token-file <file>', 'accepted bearer tokens, one per line (Auth.TokenFile)')
    .option('--jwks-file <file>', 'JWKS to verify JWT bearer tokens (Auth.JWKSFile)')
    .option('--jwks-url <url>', 'JWKS URL to verify JWT bearer tokens (Auth.JWKSURL)')
    .option('--issuer <iss>', 'required JWT issuer (Auth.Issuer)')
    .option('--audience <aud>', 'required JWT audience (Auth.Audience)')
    .option('--allowed-group <group...>', 'JWT must carry one of these groups (Auth.AllowedGroups)')
    .option('--sidecar-token-file <file>', 'bearer token sent to the plugin (SidecarTokenFile)')
    .option('--body-limit-bytes <n>', 'max request body (BodyLimitBytes)')
    .option('--status-batch-size <n>', 'max pods per plugin /status call (StatusBatchSize)')
    .option('--socket-mode <mode>', 'unix socket file mode, e.g. 0660 (SocketMode)')
    .option('--check-config', 'validate the configuration, print the effective settings and exit');
  return program;
}

export interface ParsedCli {
  configPath: string;
  /** True when the path came from a flag or the env var (then the file must exist). */
  configPathExplicit: boolean;
  overrides: Record<string, unknown>;
  checkOnly: boolean;
}

export function readCli(program: Command): ParsedCli {
  const opts = program.opts<Record<string, unknown>>();
  const fromFlag = opts['interlinkconfigpath'] as string | undefined;
  const source = program.getOptionValueSource('config');
  const chosen = fromFlag ?? (opts['config'] as string | undefined);
  // An empty INTERLINKCONFIGPATH (as some unit files render it) means "not set".
  if (!chosen) return { configPath: DEFAULT_CONFIG_PATH, configPathExplicit: false, overrides: flagOverrides(opts, FLAG_KEYS), checkOnly: opts['checkConfig'] === true };
  return {
    configPath: chosen,
    configPathExplicit: fromFlag !== undefined || source === 'cli' || source === 'env',
    overrides: flagOverrides(opts, FLAG_KEYS),
    checkOnly: opts['checkConfig'] === true,
  };
}
