import type { Logger } from '@interlink/logging';
import { createPluginServer, tombstoneDirOf, type PluginServer } from '@interlink/plugin-server';
import type { SidecarSettings } from './config/sidecar-settings';
import { createDockerClient } from './docker-client';
import { DockerBackend } from './docker-backend';
import { registerSidecarMetrics } from './sidecar-metrics';

export interface DockerSidecar {
  readonly backend: DockerBackend;
  readonly server: PluginServer;
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

/** The process: a DockerBackend behind the shared plugin server. */
export function createDockerSidecar(
  settings: SidecarSettings,
  logger: Logger,
  version: string,
): DockerSidecar {
  const backend = new DockerBackend(createDockerClient(settings.docker), settings.backend, logger);
  const server = createPluginServer({
    backend,
    listen: settings.listen,
    logger,
    name: 'docker-sidecar',
    version,
    bodyLimitBytes: settings.bodyLimitBytes,
    tombstoneDir: tombstoneDirOf(settings.backend.dataRoot),
    ...(settings.token ? { token: settings.token } : {}),
    ...(settings.metricsListen ? { metricsListen: settings.metricsListen } : {}),
  });
  registerSidecarMetrics(server.service.registry, backend);
  return {
    backend,
    server,
    async start() {
      await backend.start();
      await server.start();
      logger.info('docker sidecar listening', {
        url: server.url,
        docker: settings.dockerEndpoint,
        instance: settings.backend.instanceName,
      });
    },
    async stop(timeoutMs?: number) {
      await server.stop(timeoutMs);
      await backend.stop();
    },
  };
}
