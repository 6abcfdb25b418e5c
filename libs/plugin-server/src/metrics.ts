import { Counter, Histogram, type Registry } from 'prom-client';

export type PluginOperation = 'create' | 'delete' | 'status' | 'ping' | 'logs' | 'updateVolumes' | 'listPods';

/** Contract-level metrics on top of http-kit's per-route request metrics. */
export class PluginMetrics {
  private readonly operations: Counter<'operation' | 'outcome'>;
  private readonly statusBatch: Histogram;

  constructor(registry: Registry) {
    this.operations = new Counter({
      name: 'interlink_plugin_operations_total',
      help: 'Backend operations by outcome (ok, rejected = 4xx, failed = 5xx)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    this.statusBatch = new Histogram({
      name: 'interlink_plugin_status_batch_pods',
      help: 'Pods per /status request',
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    });
  }

  record(operation: PluginOperation, status: number): void {
    const outcome = status < 400 ? 'ok' : status < 500 ? 'rejected' : 'failed';
    this.operations.inc({ operation, outcome });
  }

  statusBatchSize(n: number): void {
    this.statusBatch.observe(n);
  }
}
