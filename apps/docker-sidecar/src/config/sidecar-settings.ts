import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import Docker from 'dockerode';
import { ConfigError } from '@interlink/config';
import { levelFromConfig, type LogLevel } from '@interlink/logging';
import { pluginListenAddress, pluginMetricsListen } from '@interlink/plugin-server';
import type { DockerBackendSettings } from '../backend-settings';
import type { SidecarConfig } from './sidecar-config';

export interface SidecarSettings {
  listen: string;
  token: string | undefined;
  /** Anonymous /metrics listener for scrapers (config MetricsListen). */
  metricsListen: string | undefined;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  docker: Docker.DockerOptions | undefined;
  dockerEndpoint: string;
  backend: DockerBackendSettings;
}

/** Validated configuration → what the process runs with. Errors name the key. */
export function toSidecarSettings(cfg: SidecarConfig): SidecarSettings {
  let listen: string;
  try {
    listen = pluginListenAddress({
      Socket: cfg.Socket,
      SidecarPort: cfg.SidecarPort,
      SidecarHost: cfg.SidecarHost,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message, cfg.Socket ? 'Socket' : 'SidecarPort');
  }
  if (!isAbsolute(cfg.DataRootFolder)) {
    // Upstream resolved it against the working directory; bind mounts need the real path.
    throw new ConfigError(
      `config key "DataRootFolder": must be an absolute path (got "${cfg.DataRootFolder}")`,
      'DataRootFolder',
    );
  }
  let token: string | undefined;
  if (cfg.BearerTokenFile) {
    try {
      token = readFileSync(cfg.BearerTokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        `config key "BearerTokenFile": cannot read ${cfg.BearerTokenFile}: ${(err as Error).message}`,
        'BearerTokenFile',
      );
    }
    if (!token)
      throw new ConfigError(
        `config key "BearerTokenFile": ${cfg.BearerTokenFile} is empty`,
        'BearerTokenFile',
      );
  }
  const { options, endpoint } = dockerOptions(cfg.DockerHost);
  const backoff = (base: number) => ({
    baseMs: base * 1000,
    maxMs: cfg.MaxRestartBackoffSeconds * 1000,
    resetAfterMs: 600_000,
  });
  return {
    listen,
    token,
    metricsListen: metricsListenOf(cfg.MetricsListen),
    logLevel: levelFromConfig(cfg),
    bodyLimitBytes: cfg.BodyLimitBytes,
    docker: options,
    dockerEndpoint: endpoint,
    backend: {
      instanceName: cfg.InstanceName,
      dataRoot: resolve(cfg.DataRootFolder),
      exportPodData: cfg.ExportPodData,
      hostPathAllowList: cfg.HostPathAllowList,
      sandboxImage: cfg.SandboxImage,
      sandboxCommand: cfg.SandboxCommand,
      podNetwork: cfg.PodNetwork,
      gpuDevices: cfg.GpuDevices,
      maxPods: cfg.MaxPods,
      taints: cfg.Taints.map((t) => ({ key: t.Key, value: t.Value, effect: t.Effect })),
      restartBackoff: backoff(cfg.RestartBackoffSeconds),
      pullBackoff: backoff(cfg.ImagePullBackoffSeconds),
      maxGracePeriodSeconds: cfg.MaxGracePeriodSeconds,
      resyncIntervalMs: cfg.ResyncIntervalSeconds * 1000,
      logMaxSize: cfg.ContainerLogMaxSize,
      logMaxFiles: cfg.ContainerLogMaxFiles,
      registryCredentials: cfg.RegistryCredentials,
      concurrency: cfg.ReconcileConcurrency,
    },
  };
}

/** `unix:///path`, `tcp://host:port`, `http(s)://host:port`; empty → docker-modem's own DOCKER_HOST handling. */
export function dockerOptions(endpoint: string): {
  options: Docker.DockerOptions | undefined;
  endpoint: string;
} {
  if (!endpoint)
    return { options: undefined, endpoint: process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock' };
  if (endpoint.startsWith('unix://')) {
    const socketPath = endpoint.slice('unix://'.length);
    if (!socketPath.startsWith('/'))
      throw new ConfigError(
        `config key "DockerHost": unix socket path must be absolute (got "${endpoint}")`,
        'DockerHost',
      );
    return { options: { socketPath }, endpoint };
  }
  const m = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (!m)
    throw new ConfigError(
      `config key "DockerHost": expected unix:///path or tcp://host:port (got "${endpoint}")`,
      'DockerHost',
    );
  return {
    options: { host: m[2], port: Number(m[3]), protocol: m[1] === 'https' ? 'https' : 'http' },
    endpoint,
  };
}

function metricsListenOf(value: string): string | undefined {
  try {
    return pluginMetricsListen(value);
  } catch (err) {
    throw new ConfigError((err as Error).message, 'MetricsListen');
  }
}
