import { loadConfig } from '@interlink/config';
import { createLogger, type Logger } from '@interlink/logging';
import { HttpClient, type HttpClientOptions } from '@interlink/http-kit';
import { RelayConfigSchema, type RelayConfig } from '../src/config/RelayConfigSchema';
import { toRelaySettings } from '../src/config/RelaySettings';
import { createRelay, type Relay } from '../src/Relay';

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    logger: createLogger({
      service: 'interlink',
      level: 'debug',
      destination: { write: (l: string) => lines.push(JSON.parse(l)) },
    }),
  };
}

/** A full config object with defaults, as loadConfig would produce it. */
export function relayConfig(partial: Record<string, unknown> & { SidecarURL: string }): RelayConfig {
  return loadConfig({
    schema: RelayConfigSchema,
    environment: {},
    overrides: { InterlinkAddress: 'http://127.0.0.1', InterlinkPort: '0', ...partial },
  });
}

export interface RunningRelay {
  relay: Relay;
  client: HttpClient;
  logs: CapturedLogs;
  stop(): Promise<void>;
}

export async function startRelay(
  config: RelayConfig,
  clientOptions: Partial<HttpClientOptions> = {},
): Promise<RunningRelay> {
  const logs = captureLogs();
  const relay = createRelay(toRelaySettings(config), logs.logger, 'test-version');
  await relay.start();
  const client = new HttpClient({ baseUrl: relay.service.url, ...clientOptions });
  return {
    relay,
    client,
    logs,
    async stop() {
      client.close();
      await relay.stop(2000);
    },
  };
}

/**
 * The value of one Prometheus sample: the line of metric `name` whose labels include every pair
 * in `labels` (other labels, e.g. `service`, may be present). 0 when no such line exists yet.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!] as const),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return 0;
}

export async function scrape(client: HttpClient): Promise<string> {
  return (await client.request({ method: 'GET', path: '/metrics' })).text();
}
