import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@interlink/config';
import { HttpClient } from '@interlink/http-kit';
import { toRelaySettings } from '../src/config/RelaySettings';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, startRelay, type RunningRelay } from './harness';

describe('MetricsListen: anonymous /metrics for scrapers while the API needs a token', () => {
  const plugin = new RecordingPlugin();
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'relay-metrics-')), 'tokens');
  let r: RunningRelay;
  beforeAll(async () => {
    await plugin.start();
    writeFileSync(tokenFile, 'scrape-free\n');
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, Auth: { TokenFile: tokenFile }, MetricsListen: 'http://127.0.0.1:0' }));
  });
  afterAll(async () => {
    await r.stop();
    await plugin.stop();
  });

  it('/metrics needs the token on the API address and none on the metrics address', async () => {
    expect((await r.client.request({ method: 'GET', path: '/metrics' })).status).toBe(401);
    const metricsUrl = r.relay.service.metricsUrl;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const scraper = new HttpClient({ baseUrl: metricsUrl! });
    try {
      const scraped = await scraper.request({ method: 'GET', path: '/metrics' });
      expect(scraped.status).toBe(200);
      expect(scraped.text()).toContain('http_requests_total{route="/metrics",method="GET",code="401",service="interlink"} 1');
      // Only metrics and health there: the API is not reachable without credentials.
      expect((await scraper.request({ method: 'GET', path: '/status', json: [] })).status).toBe(404);
    } finally {
      scraper.close();
    }
  });

  it('refuses an https or malformed MetricsListen naming the key', () => {
    for (const MetricsListen of ['https://127.0.0.1:9090', 'localhost:9090']) {
      expect(() => toRelaySettings(relayConfig({ SidecarURL: plugin.url, MetricsListen }))).toThrow(ConfigError);
      expect(() => toRelaySettings(relayConfig({ SidecarURL: plugin.url, MetricsListen }))).toThrow(/MetricsListen/);
    }
  });
});
