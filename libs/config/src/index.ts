/**
 * @interlink/config: load a YAML configuration file (upstream files: PascalCase keys), apply
 * environment-variable and command-line overrides, fill schema defaults and validate with ajv.
 *
 * Precedence (later wins): schema defaults < file < env vars < overrides (CLI flags).
 *
 * ```ts
 * const RelayConfig = Type.Object({ InterlinkPort: Type.String({ default: '3000' }), ... });
 * const cfg = loadConfig({
 *   schema: RelayConfig,
 *   file: process.env.INTERLINKCONFIGPATH ?? '/etc/interlink/InterLinkConfig.yaml',
 *   env: { INTERLINKPORT: 'InterlinkPort', SIDECARURL: 'SidecarURL' },
 *   overrides: { 'TLS.Enabled': true },
 *   logger,
 * });
 * ```
 *
 * Errors are `ConfigError`s whose message names the key: `config key "SidecarPort": must be
 * integer (got "abc")`, `config file /x.yaml: not found`. Unknown keys only produce a warning
 * (upstream files carry keys for other components).
 */
export { loadConfig, type LoadConfigOptions } from './load-config';
export { ConfigError } from './config-error';
export { createCliProgram, flagOverrides, type CliProgramOptions } from './cli-program';
export { getPath, setPath } from './key-paths';
