import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpClient } from '@interlink/http-kit';
import { createLogger, type LogDestination } from '@interlink/logging';
import { resolveSettings } from '../../src/config/sidecar-settings';
import { createSlurmSidecar, type SlurmSidecar } from '../../src/sidecar';
import { makeCreate, makePod, testConfig } from '../fixtures';
import { requireSlurm } from './harness';

vi.setConfig({ testTimeout: 120_000 });

const quiet: LogDestination = { write: () => undefined };
const root = mkdtempSync(join(tmpdir(), 'slurm-sidecar-tomb-'));

function sidecar(): SlurmSidecar {
  const settings = resolveSettings(
    testConfig({
      ContainerRuntime: 'none',
      DataRootFolder: root,
      SidecarPort: '0',
      SidecarHost: '127.0.0.1',
      AllowRootWithRuntimeNone: true,
    }),
  );
  return createSlurmSidecar(settings, createLogger({ service: 'slurm-tomb-test', destination: quiet }), 'test');
}

/**
 * Issue 16: upstream's node controller sends /create in the background, so its /delete of the
 * same pod can arrive first. The Slurm sidecar must then submit nothing, also after a restart.
 */
describe('a create arriving after the delete of its pod (real Slurm, whole sidecar over HTTP)', () => {
  let running: SlurmSidecar | undefined;
  beforeAll(async () => {
    await requireSlurm();
  });
  afterAll(async () => {
    await running?.stop(1_000);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 409 and submits no job, before and after a sidecar restart', async () => {
    const pod = makePod({ name: 'late-create', containers: [{ name: 'main', image: 'none', command: ['true'] }] });
    running = sidecar();
    await running.start();
    let http = new HttpClient({ baseUrl: running.server.url });
    const deleted = await http.request({ method: 'POST', path: '/delete', json: pod });
    expect(deleted.status).toBe(200);
    const late = await http.request({ method: 'POST', path: '/create', json: makeCreate(pod) });
    expect(late.status).toBe(409);
    expect(late.json()).toMatchObject({ error: expect.stringContaining('was deleted before this create arrived') });
    http.close();
    await running.stop(1_000);

    running = sidecar();
    await running.start();
    // The journal lives beside the job directories and is not mistaken for one.
    expect(running.backend.store.size).toBe(0);
    http = new HttpClient({ baseUrl: running.server.url });
    const again = await http.request({ method: 'POST', path: '/create', json: makeCreate(pod) });
    expect(again.status).toBe(409);
    http.close();
    const jobDirs = readdirSync(root).filter((name) => !name.startsWith('.'));
    expect(jobDirs).toEqual([]);
    expect(existsSync(join(root, '.tombstones'))).toBe(true);
  });
});
