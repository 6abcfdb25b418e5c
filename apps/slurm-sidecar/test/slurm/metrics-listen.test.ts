import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@interlink/config';
import { HttpClient } from '@interlink/http-kit';
import { createLogger, type LogDestination } from '@interlink/logging';
import { resolveSettings } from '../../src/config/sidecar-settings';
import { createSlurmSidecar } from '../../src/sidecar';
import { testConfig } from '../fixtures';

const quiet: LogDestination = { write: () => undefined };
const root = mkdtempSync(join(tmpdir(), 'slurm-sidecar-metrics-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Issue 15: /metrics needs the token like the API; scrapers get their own anonymous address. */
describe('MetricsListen of the Slurm sidecar', () => {
  it('serves /metrics without the token only on its own listener', async () => {
    const tokenFile = join(root, 'token');
    writeFileSync(tokenFile, 's3cret\n');
    const settings = resolveSettings(
      testConfig({
        DataRootFolder: join(root, 'jobs'),
        SidecarPort: '0',
        SidecarHost: '127.0.0.1',
        BearerTokenFile: tokenFile,
        MetricsListen: 'http://127.0.0.1:0',
      }),
    );
    const sidecar = createSlurmSidecar(
      settings,
      createLogger({ service: 'metrics-test', destination: quiet }),
      'test',
    );
    await sidecar.start();
    const api = new HttpClient({ baseUrl: sidecar.server.url });
    const scraper = new HttpClient({ baseUrl: sidecar.server.service.metricsUrl! });
    try {
      expect((await api.request({ method: 'GET', path: '/metrics' })).status).toBe(401);
      const scrape = await scraper.request({ method: 'GET', path: '/metrics' });
      expect(scrape.status).toBe(200);
      expect(scrape.text()).toContain('slurm_sidecar_tracked_jobs');
      expect((await scraper.request({ method: 'POST', path: '/status', json: [] })).status).toBe(404);
    } finally {
      api.close();
      scraper.close();
      await sidecar.stop(1_000);
    }
  });

  it('refuses an https or malformed address naming the key', () => {
    for (const MetricsListen of ['https://127.0.0.1:9090', 'localhost:9090']) {
      const make = () => resolveSettings(testConfig({ DataRootFolder: root, MetricsListen }));
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(/MetricsListen/);
    }
  });
});
