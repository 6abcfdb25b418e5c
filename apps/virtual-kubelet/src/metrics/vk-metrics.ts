import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RelayOp } from '@interlink/relay-client';

/** Prometheus metrics of the node controller (served on /metrics). */
export class VkMetrics {
  readonly registry = new Registry();
  readonly podsByPhase = new Gauge({
    name: 'interlink_vk_pods',
    help: 'Pods bound to this node by phase',
    labelNames: ['phase'],
    registers: [this.registry],
  });
  readonly statusSync = new Histogram({
    name: 'interlink_vk_status_sync_seconds',
    help: 'Time from noticing a plugin status change to writing it to the API server',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly relayCalls = new Histogram({
    name: 'interlink_vk_relay_request_seconds',
    help: 'Relay calls by operation and outcome',
    labelNames: ['op', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly relayErrors = new Counter({
    name: 'interlink_vk_relay_errors_total',
    help: 'Failed relay calls',
    labelNames: ['op', 'kind'],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'interlink_vk_api_requests_total',
    help: 'Kubernetes API requests',
    labelNames: ['verb', 'resource', 'code'],
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'interlink_vk_api_writes_total',
    help: 'Kubernetes API writes',
    labelNames: ['verb', 'resource'],
    registers: [this.registry],
  });
  readonly statusPolls = new Counter({
    name: 'interlink_vk_status_polls_total',
    help: 'Batched /status calls',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly polledPods = new Counter({
    name: 'interlink_vk_status_polled_pods_total',
    help: 'Pods asked about in /status calls',
    registers: [this.registry],
  });
  readonly creates = new Counter({
    name: 'interlink_vk_pod_creates_total',
    help: 'Pod create attempts by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly volumeRefreshes = new Counter({
    name: 'interlink_vk_volume_refreshes_total',
    help: 'Volume content pushes (/updateVolumes: rotated tokens, changed ConfigMaps/Secrets) to running pods by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly orphans = new Counter({
    name: 'interlink_vk_orphans_collected_total',
    help: 'Remote pods without an API pod that the orphan sweep deleted (or failed to delete)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly pings = new Counter({
    name: 'interlink_vk_pings_total',
    help: 'Relay pings',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly nodeReady = new Gauge({
    name: 'interlink_vk_node_ready',
    help: '1 when the node is Ready',
    registers: [this.registry],
  });

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  relayCall(op: RelayOp, seconds: number, outcome: string): void {
    this.relayCalls.observe({ op, outcome }, seconds);
    if (outcome !== 'ok') this.relayErrors.inc({ op, kind: outcome });
  }

  apiRequest(verb: string, resource: string, status: number): void {
    this.apiRequests.inc({ verb, resource, code: String(status) });
    if (verb !== 'get' && verb !== 'list' && verb !== 'watch') this.apiWrites.inc({ verb, resource });
  }
}
