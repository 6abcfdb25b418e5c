import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { ensureBench, waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { drainSidecar, ServiceProcess } from './support/service-process';

// The whole chain, every hop over a unix socket: API server → this node controller → our relay
// (apps/interlink) → the Docker sidecar (apps/docker-sidecar) → the bench's Docker Engine.
let kc: KubeConfig;
let admin: KubeClient;
let plugin: ServiceProcess;
let relay: ServiceProcess;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-stack-${id}`;
const ns = `vk-stack-${id}`;
const dir = mkdtempSync(join(tmpdir(), 'vk-stack-'));

beforeAll(async () => {
  await ensureBench(['docker']);
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  plugin = new ServiceProcess('docker-sidecar', { Socket: `unix://${dir}/plugin.sock`, DataRootFolder: join(dir, 'data'), InstanceName: `vk-stack-${id}` }, (c) => ['--config', c]);
  plugin.start();
  relay = new ServiceProcess('interlink', { InterlinkAddress: `unix://${dir}/relay.sock`, SidecarURL: `unix://${dir}/plugin.sock` }, (c) => ['--config', c]);
  relay.start();
  await waitFor('relay and plugin sockets', () => {
    try {
      execFileSync('curl', ['-sf', '--unix-socket', `${dir}/relay.sock`, '-X', 'POST', 'http://unix/pinglink'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\nplugin: ${plugin.output.slice(-10).join('\n')}\nrelay: ${relay.output.slice(-10).join('\n')}`);
  });
  // Tokens are rotated after 1 % of their lifetime (6 s of the API minimum 600 s) and ConfigMap
  // volumes compared every second, so that a test sees both.
  started = await startVk({ kc, nodeName, relayUrl: `unix://${dir}/relay.sock`, relayPort: '', level: 'info', cfg: { TokenRefreshFraction: 0.01, TokenRotationCheckSeconds: 1, VolumeRefreshSeconds: 1 } });
}, 180_000);

afterAll(async () => {
  try {
    if (process.env['DEBUG_STACK']) {
      const pods = await admin.request<{ items: V1Pod[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` });
      console.log(JSON.stringify(pods.items.map((p) => p.status), null, 1).slice(0, 4000));
      console.log(started?.logs.slice(-40).join(''));
      console.log(relay?.output.slice(-20).join('\n'));
      console.log(plugin?.output.slice(-20).join('\n'));
    }
    await deleteNamespace(admin, ns);
    await drainSidecar(`vk-stack-${id}`);
    await started?.vk.stop();
    await relay?.stop();
    await plugin?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}
function containersOf(uid: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `label=interlink.pod-uid=${uid}`, '--format', '{{.ID}}'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

describe('full stack: virtual kubelet → relay → Docker sidecar → Docker Engine', () => {
  it('runs a pod to completion with its real output in kubectl logs', async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'hello', { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo hello from $(POD) && echo second line'], env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] })));
    await expect.poll(async () => (await pod('hello')).status?.phase, { timeout: 60_000 }).toBe('Succeeded');
    const p = await pod('hello');
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^docker:\/\//);
    expect(await kubectl(['logs', '-n', ns, 'hello'])).toBe('hello from hello\nsecond line\n');
  }, 90_000);

  it('reports init containers and a failing exit code', async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'failing', {
      initContainers: [{ name: 'prepare', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo ready > /work/flag'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'cat /work/flag; exit 3'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      volumes: [{ name: 'work', emptyDir: {} }],
    })));
    await expect.poll(async () => (await pod('failing')).status?.phase, { timeout: 60_000 }).toBe('Failed');
    const p = await pod('failing');
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0 });
    expect(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    expect(p.status?.message).toContain('container "main" exited with code 3');
    expect(await kubectl(['logs', '-n', ns, 'failing'])).toBe('ready\n');
  }, 90_000);

  it('streams kubectl logs -f from a running container and deletes it remotely on kubectl delete', async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'ticker', { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done'] }] })));
    await expect.poll(async () => (await pod('ticker')).status?.phase, { timeout: 60_000 }).toBe('Running');
    const uid = (await pod('ticker')).metadata!.uid!;
    expect(containersOf(uid).length).toBeGreaterThan(0);
    const { spawn } = await import('node:child_process');
    const follow = spawn('kubectl', ['--kubeconfig', kc.getCurrentCluster() ? (process.env['TESTBENCH_KUBECONFIG'] ?? '/var/lib/interlink-testbench/kubeconfig') : '', 'logs', '-f', '-n', ns, 'ticker']);
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => (out.match(/tick \d+/g) ?? []).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    follow.kill('SIGINT');
    await kubectl(['delete', 'pod', '-n', ns, 'ticker', '--wait=true', '--timeout=60s']);
    expect(await getPod(admin, ns, 'ticker')).toBeUndefined();
    await expect.poll(() => containersOf(uid).length, { timeout: 20_000 }).toBe(0);
  }, 120_000);

  it('rotates the projected service-account token of a running pod and refreshes its ConfigMap volume; the container reads both', async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reader-settings' }, data: { mode: 'fast' } }));
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'token-reader', {
      containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'while true; do echo "tok=$(cat /sa/token)"; echo "mode=$(cat /cfg/mode)"; sleep 1; done'], volumeMounts: [{ name: 'sa', mountPath: '/sa', readOnly: true }, { name: 'cfg', mountPath: '/cfg', readOnly: true }] }],
      volumes: [{ name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600, audience: 'rotation-test' } }] } }, { name: 'cfg', configMap: { name: 'reader-settings' } }],
    })));
    await expect.poll(async () => (await pod('token-reader')).status?.phase, { timeout: 60_000 }).toBe('Running');
    const logLines = async () => (await kubectl(['logs', '-n', ns, 'token-reader'])).split('\n');
    const tokens = async () => [...new Set((await logLines()).filter((l) => l.startsWith('tok=')).map((l) => l.slice(4)))];
    await expect.poll(async () => (await tokens()).length, { timeout: 45_000, interval: 1_000 }).toBeGreaterThanOrEqual(2);
    const seen = await tokens();
    expect(seen.every((t) => t.split('.').length === 3)).toBe(true);
    // The newest token is valid for its audience and bound to this pod.
    const review = await admin.request<{ status: { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> }; audiences?: string[] } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: seen[seen.length - 1], audiences: ['rotation-test'] } },
    });
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user?.username).toBe(`system:serviceaccount:${ns}:default`);
    expect(review.status.user?.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['token-reader']);

    // A ConfigMap edit reaches the running container's (non-subPath) volume, as on a kubelet.
    expect(await logLines()).toContain('mode=fast');
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reader-settings' }, data: { mode: 'slow' } }));
    await expect.poll(logLines, { timeout: 20_000, interval: 1_000 }).toContain('mode=slow');
    expect(started.logs.some((l) => l.includes('pod volumes refreshed'))).toBe(true);
    expect((await pod('token-reader')).status?.containerStatuses?.[0]?.restartCount).toBe(0);
  }, 120_000);
});
