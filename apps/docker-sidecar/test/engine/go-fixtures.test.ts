import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RetrievedPodData } from '@interlink/api';
import { workspaceRoot } from '@interlink/testbench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purge, send, startHarness, terminated, waitForStatus, type Harness } from './harness';

const fixtures = join(workspaceRoot(), 'libs/interlink-api/test/fixtures');

/**
 * The contract library's golden RetrievedPodData, written as upstream's Go relay sends it
 * (null slices, `creationTimestamp: null` in projected maps, base64 Secret data, a zero-valued
 * jobConfig), sent as raw JSON text. Only what this host cannot run is changed: the image (no
 * registry), the command (so the container shows what it sees), the CPU/GPU requests (two
 * CPUs, no GPU) and the pod's identity (so runs do not collide).
 */
function fromFixture(file: string): { text: string; uid: string; name: string } {
  const raw = JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as unknown;
  const data = (Array.isArray(raw) ? raw[0] : raw) as RetrievedPodData;
  const uid = randomUUID();
  const name = `fixture-${uid.slice(0, 8)}`;
  data.pod.metadata = { ...data.pod.metadata, uid, name };
  const solver = data.pod.spec!.containers[0]!;
  solver.image = 'busybox:latest';
  solver.command = ['sh', '-c'];
  solver.args = [
    'cat /work/input.dat; ls /etc/grid; cat /etc/grid/proxy.pem; ' +
      'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; echo "threads=$OMP_NUM_THREADS"',
  ];
  solver.resources = { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } };
  return { text: JSON.stringify(Array.isArray(raw) ? [data] : data), uid, name };
}

describe('the Docker sidecar runs pods exactly as the Go relay ships them (golden fixtures)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    if (h) await purge(h);
  });

  for (const file of ['retrieved-pod-data.json', 'retrieved-pod-data-legacy-array.json']) {
    it(`${file}: init container, ConfigMap subPath, Secret, projected token/namespace and emptyDir work`, async () => {
      const { text, uid, name } = fromFixture(file);
      const created = await send(h.url, 'POST', '/create', text);
      expect(created.status, created.body).toBe(200);
      expect(created.json<{ PodUID: string; PodJID: string }>()).toMatchObject({ PodUID: uid });

      const data = JSON.parse(text) as RetrievedPodData | RetrievedPodData[];
      const one = Array.isArray(data) ? data[0]! : data;
      const done = await waitForStatus(h, one, 'solver finished', terminated('solver'), 60_000);
      expect(done).toMatchObject({ name, namespace: 'hep', UID: uid });
      expect(done.initContainers[0]?.state?.terminated?.exitCode).toBe(0);
      expect(done.containers[0]?.state?.terminated?.exitCode).toBe(0);

      expect((await h.logs(one, 'fetch-gauge')).body).toBe('fetched\n');
      const out = (await h.logs(one, 'solver')).body;
      expect(out).toBe('beta=6.0\nvolume=16x16x16x32\nproxy.pem\n-----BEGIN PROXY-----\nhep\nthreads=8\n');
      expect((await h.remove(one.pod)).status).toBe(200);
    }, 90_000);
  }
});
