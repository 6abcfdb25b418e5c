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
  return { lines, logger: createLogger({ service: 'interlink', level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l)) } }) };
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

export async function startRelay(config: RelayConfig, clientOptions: Partial<HttpClientOptions> = {}): Promise<RunningRelay> {
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
