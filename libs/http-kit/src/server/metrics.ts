import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Route = 'route' | 'method';

/**
 * Request metrics of every service using one registry (a service and its separate metrics
 * listener, or the node controller's kubelet API and metrics server, share one): registering
 * the same names twice would throw, so they share the instruments.
 */
const byRegistry = new WeakMap<Registry, RequestMetrics>();

/** Request metrics, registered in the service's registry. */
export class RequestMetrics {
  readonly requests: Counter<Route | 'code'>;
  readonly duration: Histogram<Route>;
  private inFlightCount = 0;

  static forRegistry(registry: Registry, service: string, collectDefaults: boolean): RequestMetrics {
    let metrics = byRegistry.get(registry);
    if (!metrics) {
      metrics = new RequestMetrics(registry, service, collectDefaults);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(
    readonly registry: Registry,
    service: string,
    collectDefaults: boolean,
  ) {
    if (collectDefaults) {
      registry.setDefaultLabels({ service });
      collectDefaultMetrics({ register: registry });
    }
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route, method and status code',
      labelNames: ['route', 'method', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time until the response completed (for streams: until the stream ended)',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers: [registry],
    });
    const current = (): number => this.inFlightCount;
    // Read at scrape time so the request path only touches a plain integer.
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests currently being served',
      registers: [registry],
      collect() {
        this.set(current());
      },
    });
  }

  started(): void {
    this.inFlightCount++;
  }

  finished(route: string, method: string, code: number, seconds: number): void {
    this.inFlightCount--;
    this.requests.inc({ route, method, code: String(code) });
    this.duration.observe({ route, method }, seconds);
  }
}
