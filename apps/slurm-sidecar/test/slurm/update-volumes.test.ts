import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RetrievedPodData } from '@interlink/api';
import { PodNotFoundError } from '@interlink/plugin-server';
import { makeCreate, makePod } from '../fixtures';
import { ctx, logsOf, requireSlurm, startSidecar, waitRunning, type TestSidecar } from './harness';

vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm();
  sc = await startSidecar();
});
afterAll(async () => sc?.cleanup());

describe('volume refresh of a running job (/updateVolumes, real Slurm)', () => {
  const pod = makePod({
    name: 'rotating',
    volumes: [
      { name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      { name: 'cfg', configMap: { name: 'settings' } },
      { name: 'scratch', emptyDir: {} },
    ],
    containers: [
      {
        name: 'main',
        image: 'none',
        command: [
          '/bin/sh',
          '-c',
          // Runtime "none" mounts nothing: the job reads the volume directories of its job
          // directory (its working directory), which is what a container runtime would bind.
          'echo keep > emptyDirs/scratch/mine; while true; do echo "token=$(cat projectedVolumeMaps/sa/token) keys=$(ls configMaps/cfg | tr "\\n" ,) scratch=$(cat emptyDirs/scratch/mine)"; sleep 0.3; done',
        ],
        volumeMounts: [
          { name: 'sa', mountPath: '/sa' },
          { name: 'cfg', mountPath: '/cfg' },
          { name: 'scratch', mountPath: '/scratch' },
        ],
      },
    ],
  });
  const content = (token: string, config: Record<string, string>): RetrievedPodData =>
    makeCreate(pod, {
      projectedvolumemaps: [{ metadata: { name: 'sa' }, data: { token } }],
      configMaps: [{ metadata: { name: 'settings' }, data: config }],
    });

  it('rewrites token and ConfigMap files in place while the job runs; emptyDirs are untouched', async () => {
    await sc.backend.create(content('first-token', { a: '1', b: '2' }), ctx());
    await waitRunning(sc.backend, pod, 'main');
    await expect.poll(() => logsOf(sc.backend, pod, 'main'), { timeout: 20_000 }).toContain('token=first-token keys=a,b, scratch=keep');
    await sc.backend.updateVolumes(content('second-token', { a: '1' }), ctx());
    await expect.poll(() => logsOf(sc.backend, pod, 'main'), { timeout: 20_000 }).toContain('token=second-token keys=a, scratch=keep');
    // The job loops forever: cancel it before the harness removes its directory.
    await sc.backend.delete(pod, ctx());
  });

  it('refuses a pod without a job here', async () => {
    const ghost = makePod({ name: 'ghost', containers: [{ name: 'x', image: 'none', command: ['true'] }] });
    await expect(sc.backend.updateVolumes(makeCreate(ghost), ctx())).rejects.toBeInstanceOf(PodNotFoundError);
  });
});
