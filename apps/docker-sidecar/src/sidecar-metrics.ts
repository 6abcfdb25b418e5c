import { Gauge, type Registry } from 'prom-client';
import type { DockerBackend } from './docker-backend';

/** Docker-specific gauges next to the plugin server's request metrics, read at scrape time. */
export function registerSidecarMetrics(registry: Registry, backend: DockerBackend): void {
  new Gauge({
    name: 'interlink_docker_pods',
    help: 'Pods this sidecar manages',
    registers: [registry],
    collect() {
      this.set(backend.runtimes.size);
    },
  });
  new Gauge({
    name: 'interlink_docker_inspect_cache_entries',
    help: 'Container inspect results cached for status answers',
    registers: [registry],
    collect() {
      this.set(backend.inspect.size);
    },
  });
  new Gauge({
    name: 'interlink_docker_gpus_free',
    help: 'GPUs not allocated to any pod',
    registers: [registry],
    collect() {
      this.set(backend.gpus.free);
    },
  });
}
