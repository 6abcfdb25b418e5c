import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StatusMetricsHook } from './status/StatusBatcher';

/** Relay-specific metrics, added to the service registry next to the request metrics. */
export class RelayMetrics implements StatusMetricsHook {
  readonly pluginErrors: Counter<'endpoint' | 'kind'>;
  readonly logStreams: Gauge;
  private readonly pluginStatusCalls: Counter;
  private readonly statusBatchSize: Histogram;
  private readonly cacheHits: Counter;

  constructor(registry: Registry, cacheSize: () => number) {
    this.pluginErrors = new Counter({
      name: 'interlink_plugin_errors_total',
      help: 'Failed plugin calls by endpoint and kind (unreachable, timeout, bad-response, status)',
      labelNames: ['endpoint', 'kind'],
      registers: [registry],
    });
    this.logStreams = new Gauge({ name: 'interlink_log_streams_in_flight', help: 'Open /getLogs streams', registers: [registry] });
    this.pluginStatusCalls = new Counter({
      name: 'interlink_plugin_status_calls_total',
      help: 'Plugin /status calls (each carries a batch of pods)',
      registers: [registry],
    });
    this.statusBatchSize = new Histogram({
      name: 'interlink_plugin_status_batch_pods',
      help: 'Pods per plugin /status call',
      buckets: [1, 2, 5, 10, 50, 100, 250, 500, 1000],
      registers: [registry],
    });
    this.cacheHits = new Counter({
      name: 'interlink_status_cache_hits_total',
      help: 'Pod statuses answered from the cache without a plugin call',
      registers: [registry],
    });
    new Gauge({
      name: 'interlink_status_cache_entries',
      help: 'Pod statuses held in the cache',
      registers: [registry],
      collect() {
        this.set(cacheSize());
      },
    });
  }

  pluginCall(pods: number): void {
    this.pluginStatusCalls.inc();
    this.statusBatchSize.observe(pods);
  }

  cacheHit(count: number): void {
    this.cacheHits.inc(count);
  }

  /** Classify an error thrown towards the caller by HTTP status. */
  pluginError(endpoint: string, status: number, origin: unknown): void {
    const kind = origin === 'plugin' ? (status === 502 ? 'bad-response' : 'status') : status === 503 ? 'unreachable' : status === 504 ? 'timeout' : 'transport';
    this.pluginErrors.inc({ endpoint, kind });
  }
}
