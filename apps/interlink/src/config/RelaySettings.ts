import { existsSync } from 'node:fs';
import { ConfigError } from '@interlink/config';
import { plainListenAddress, type ClientTlsOptions, type ServerTlsOptions } from '@interlink/http-kit';
import type { ScriptBuildConfig } from '@interlink/api';
import type { LogLevel } from '@interlink/logging';
import { levelFromConfig } from '@interlink/logging';
import type { RelayConfig } from './RelayConfigSchema';
import { toJobConfig } from './jobConfig';

export interface PluginTimeouts {
  createMs: number;
  statusMs: number;
  deleteMs: number;
  logsMs: number;
  pingMs: number;
  builderMs: number;
}

export interface AuthSettings {
  tokenFile?: string;
  jwksFile?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string | string[];
  groupsClaim: string;
  allowedGroups: string[];
  /** mTLS is enforced by the TLS layer; recorded so the authenticator can name the principal. */
  mutualTls: boolean;
  trustForwardedHeaders: boolean;
}

/** MetricsListen must be a plain listener: the anonymous scrape endpoint has no TLS of its own. */
function metricsListen(address: string): string {
  try {
    return plainListenAddress(address);
  } catch (err) {
    throw new ConfigError(`config key "MetricsListen": ${(err as Error).message}`, 'MetricsListen');
  }
}

/** Everything the relay needs, derived and cross-checked from the configuration. */
export interface RelaySettings {
  listen: string;
  tls?: ServerTlsOptions;
  socketMode?: number;
  /** Anonymous /metrics listener (config MetricsListen). */
  metricsListen?: string;
  pluginUrl: string;
  pluginTls?: ClientTlsOptions;
  pluginTokenFile?: string;
  timeouts: PluginTimeouts;
  statusBatchSize: number;
  statusMaxParallelCalls: number;
  statusCacheFreshMs: number;
  statusCacheMaxEntries: number;
  statusCacheTtlMs: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  jobConfig?: ScriptBuildConfig;
  auth: AuthSettings;
  logLevel: LogLevel;
}

/** @throws ConfigError naming the key that makes the configuration unusable. */
export function toRelaySettings(cfg: RelayConfig): RelaySettings {
  if (cfg.JobScriptTemplate) {
    throw new ConfigError(
      'config key "JobScriptTemplate": Go text/template job scripts are not supported by this relay; use a job script builder (jobscriptURL) instead',
      'JobScriptTemplate',
    );
  }
  const secure = cfg.InterlinkAddress.startsWith('https://') || (cfg.TLS.Enabled && !cfg.InterlinkAddress.startsWith('unix://'));
  if (cfg.InterlinkAddress.startsWith('unix://') && cfg.TLS.Enabled) {
    throw new ConfigError('config key "TLS.Enabled": TLS cannot be used with a unix socket InterlinkAddress', 'TLS.Enabled');
  }
  const listen = joinAddress(cfg.InterlinkAddress, cfg.InterlinkPort, 'InterlinkAddress', 'InterlinkPort', '3000', secure);
  let tls: ServerTlsOptions | undefined;
  if (secure) {
    const certFile = requireFile(cfg.TLS.CertFile, 'TLS.CertFile', 'an https listener');
    const keyFile = requireFile(cfg.TLS.KeyFile, 'TLS.KeyFile', 'an https listener');
    const caFile = cfg.TLS.CACertFile ? requireFile(cfg.TLS.CACertFile, 'TLS.CACertFile', 'mTLS') : undefined;
    tls = { certFile, keyFile, ...(caFile ? { caFile, requireClientCert: true } : {}) };
  } else if (cfg.TLS.CACertFile) {
    throw new ConfigError('config key "TLS.CACertFile": client certificates need an https:// InterlinkAddress (or TLS.Enabled)', 'TLS.CACertFile');
  }

  const pluginUrl = joinAddress(cfg.SidecarURL, cfg.SidecarPort, 'SidecarURL', 'SidecarPort', '4000', false);
  const pluginTls: ClientTlsOptions | undefined = pluginUrl.startsWith('https://')
    ? {
        ...(cfg.SidecarTLS.CACertFile ? { caFile: requireFile(cfg.SidecarTLS.CACertFile, 'SidecarTLS.CACertFile', 'an https plugin') } : {}),
        ...(cfg.SidecarTLS.CertFile ? { certFile: requireFile(cfg.SidecarTLS.CertFile, 'SidecarTLS.CertFile', 'a plugin client certificate') } : {}),
        ...(cfg.SidecarTLS.KeyFile ? { keyFile: requireFile(cfg.SidecarTLS.KeyFile, 'SidecarTLS.KeyFile', 'a plugin client certificate') } : {}),
        insecureSkipVerify: cfg.SidecarTLS.InsecureSkipVerify,
      }
    : undefined;

  const auth = cfg.Auth;
  if (auth.JWKSFile && auth.JWKSURL) throw new ConfigError('config key "Auth.JWKSURL": set either Auth.JWKSFile or Auth.JWKSURL, not both', 'Auth.JWKSURL');
  if (auth.JWKSURL && !/^https?:\/\//.test(auth.JWKSURL)) throw new ConfigError(`config key "Auth.JWKSURL": must be an http(s) URL (got "${auth.JWKSURL}")`, 'Auth.JWKSURL');
  if ((auth.Issuer || auth.Audience || auth.AllowedGroups.length > 0) && !auth.JWKSFile && !auth.JWKSURL) {
    throw new ConfigError('config key "Auth.JWKSURL": JWT checks (Issuer/Audience/AllowedGroups) need Auth.JWKSFile or Auth.JWKSURL', 'Auth.JWKSURL');
  }
  if (auth.TokenFile) requireFile(auth.TokenFile, 'Auth.TokenFile', 'bearer token authentication');
  if (auth.JWKSFile) requireFile(auth.JWKSFile, 'Auth.JWKSFile', 'JWT authentication');

  const t = cfg.SidecarTimeouts;
  const ms = (s: number): number => Math.round(s * 1000);
  return {
    listen,
    ...(tls ? { tls } : {}),
    ...(cfg.SocketMode ? { socketMode: parseInt(cfg.SocketMode, 8) } : {}),
    ...(cfg.MetricsListen ? { metricsListen: metricsListen(cfg.MetricsListen) } : {}),
    pluginUrl,
    ...(pluginTls ? { pluginTls } : {}),
    ...(cfg.SidecarTokenFile ? { pluginTokenFile: cfg.SidecarTokenFile } : {}),
    timeouts: {
      createMs: ms(t.CreateSeconds),
      statusMs: ms(t.StatusSeconds),
      deleteMs: ms(t.DeleteSeconds),
      logsMs: ms(t.LogsSeconds),
      pingMs: ms(t.PingSeconds),
      builderMs: ms(t.BuilderSeconds),
    },
    statusBatchSize: cfg.StatusBatchSize,
    statusMaxParallelCalls: cfg.StatusMaxParallelCalls,
    statusCacheFreshMs: ms(cfg.StatusCacheFreshSeconds),
    statusCacheMaxEntries: cfg.StatusCacheMaxEntries,
    statusCacheTtlMs: ms(cfg.StatusCacheTTLSeconds),
    bodyLimitBytes: cfg.BodyLimitBytes,
    shutdownTimeoutMs: ms(cfg.ShutdownTimeoutSeconds),
    ...(cfg.JobScriptBuildConfig ? { jobConfig: toJobConfig(cfg.JobScriptBuildConfig) } : {}),
    auth: {
      ...(auth.TokenFile ? { tokenFile: auth.TokenFile } : {}),
      ...(auth.JWKSFile ? { jwksFile: auth.JWKSFile } : {}),
      ...(auth.JWKSURL ? { jwksUrl: auth.JWKSURL } : {}),
      ...(auth.Issuer ? { issuer: auth.Issuer } : {}),
      ...(auth.Audience ? { audience: auth.Audience } : {}),
      groupsClaim: auth.GroupsClaim,
      allowedGroups: auth.AllowedGroups,
      mutualTls: tls?.caFile !== undefined,
      trustForwardedHeaders: auth.TrustForwardedHeaders,
    },
    logLevel: levelFromConfig(cfg),
  };
}

/**
 * Upstream address rules: `unix:///path` (port ignored) or `scheme://host` + port key. A port
 * inside the address is accepted when the port key is empty.
 */
function joinAddress(address: string, port: string | undefined, addressKey: string, portKey: string, defaultPort: string, forceHttps: boolean): string {
  if (address.startsWith('unix://')) {
    if (!address.startsWith('unix:///')) throw new ConfigError(`config key "${addressKey}": unix socket path must be absolute (unix:///path), got "${address}"`, addressKey);
    return address;
  }
  const m = /^(https?):\/\/(\[[^\]]+\]|[^:/]+)(?::([0-9]+))?\/?$/.exec(address);
  if (!m) {
    throw new ConfigError(`config key "${addressKey}": expected unix:///path, http://host or https://host (got "${address}")`, addressKey);
  }
  const [, scheme, host, inlinePort] = m;
  if (inlinePort && port && port !== inlinePort && port !== '0') {
    throw new ConfigError(`config key "${portKey}": ${port} conflicts with the port in ${addressKey} "${address}"`, portKey);
  }
  const finalPort = inlinePort ?? (port === undefined || port === '' ? defaultPort : port);
  if (Number(finalPort) > 65535) throw new ConfigError(`config key "${portKey}": port must be at most 65535 (got ${finalPort})`, portKey);
  return `${forceHttps ? 'https' : scheme}://${host}:${finalPort}`;
}

function requireFile(path: string | undefined, key: string, purpose: string): string {
  if (!path) throw new ConfigError(`config key "${key}": required for ${purpose}`, key);
  if (!existsSync(path)) throw new ConfigError(`config key "${key}": file ${path} not found`, key);
  return path;
}
