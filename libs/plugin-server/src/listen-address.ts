import { DEFAULT_PLUGIN_PORT } from '@interlink/api';
import { plainListenAddress } from '@interlink/http-kit';

export interface PluginListenConfig {
  /** Upstream `Socket`: `unix:///path/plugin.sock`; wins over the port when set. */
  Socket?: string;
  /** Upstream `SidecarPort` (string or number). */
  SidecarPort?: string | number;
  /** Interface to bind for TCP; upstream binds every interface. */
  SidecarHost?: string;
}

/** The http-kit listen address for the upstream plugin keys (`Socket` wins over `SidecarPort`). */
export function pluginListenAddress(cfg: PluginListenConfig): string {
  const socket = cfg.Socket?.trim();
  if (socket) {
    if (!socket.startsWith('unix://'))
      throw new Error(`config key "Socket": must look like unix:///path/plugin.sock (got "${socket}")`);
    return socket;
  }
  const raw = cfg.SidecarPort === undefined || cfg.SidecarPort === '' ? DEFAULT_PLUGIN_PORT : cfg.SidecarPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`config key "SidecarPort": must be a TCP port number (got "${String(raw)}")`);
  }
  const host = cfg.SidecarHost?.trim() || '0.0.0.0';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The `MetricsListen` key of a plugin: a second, anonymous listener serving /metrics (and
 * /healthz) for scrapers while the API needs the bearer token. Empty: none.
 * @throws Error naming the key when the address is malformed or asks for https.
 */
export function pluginMetricsListen(value: string): string | undefined {
  const address = value.trim();
  if (address === '') return undefined;
  try {
    return plainListenAddress(address);
  } catch (err) {
    throw new Error(`config key "MetricsListen": ${(err as Error).message}`);
  }
}
