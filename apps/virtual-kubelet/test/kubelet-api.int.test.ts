import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { benchEnv, waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { uncoveredAccess } from '../src/kube/rbac';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { kubeletGet as kubeletGetOnPort, type KubeletAuth } from './support/kubelet-client';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-api-${id}`;
const ns = `vk-api-${id}`;
let uid: string;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString });
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'talker', { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] })));
  await waitFor('pod talker Running', async () => (await getPod(admin, ns, 'talker'))?.status?.phase === 'Running', { timeoutMs: 20_000 });
  uid = (await getPod(admin, ns, 'talker'))!.metadata!.uid!;
  relay.backend.appendLog(uid, 'main', 'line one\nline two\nline three', new Date(Date.now() - 60_000));
});

afterAll(async () => {
  try {
    await deleteNamespace(admin, ns);
    await started?.vk.stop();
    await relay?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

/** A direct HTTPS call to the kubelet API, optionally with a client certificate or token. */
function kubeletGet(path: string, auth: KubeletAuth = {}): Promise<{ status: number; body: string }> {
  return kubeletGetOnPort(started.vk.kubeletApi.port, path, auth);
}

function adminCert(): { cert: string; key: string } {
  const user = kc.getCurrentUser();
  const cert = user?.certData ? Buffer.from(user.certData, 'base64').toString() : readFileSync(user!.certFile!, 'utf8');
  const key = user?.keyData ? Buffer.from(user.keyData, 'base64').toString() : readFileSync(user!.keyFile!, 'utf8');
  return { cert, key };
}

describe('kubelet API through the real API server', () => {
  it('serves kubectl logs with tail, timestamps and limits', async () => {
    expect(await kubectl(['logs', '-n', ns, 'talker'])).toBe('line one\nline two\nline three\n');
    expect(await kubectl(['logs', '-n', ns, 'talker', '--tail=1'])).toBe('line three\n');
    expect(await kubectl(['logs', '-n', ns, 'talker', '-c', 'main', '--timestamps', '--tail=1'])).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z line three\n$/);
    expect(await kubectl(['logs', '-n', ns, 'talker', '--limit-bytes=8'])).toBe('line one');
  });

  it('streams kubectl logs -f and stops the remote stream when kubectl goes away', async () => {
    const child = spawn('kubectl', ['--kubeconfig', benchEnv.kubeconfig, 'logs', '-f', '-n', ns, 'talker', '--tail=1']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toBe('line three\n');
    expect(relay.openLogStreams).toBe(1);
    relay.backend.appendLog(uid, 'main', 'fresh line');
    await expect.poll(() => out, { timeout: 10_000 }).toBe('line three\nfresh line\n');
    child.kill('SIGINT');
    await expect.poll(() => relay.openLogStreams, { timeout: 10_000 }).toBe(0);
  });

  it('rejects unauthenticated callers and checks tokens with TokenReview and SubjectAccessReview', async () => {
    expect((await kubeletGet('/healthz')).status).toBe(200);
    const anonymous = await kubeletGet('/pods');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toContain('authentication required');
    expect((await kubeletGet('/pods', { token: 'not-a-token' })).status).toBe(401);

    await kubectl(['create', 'serviceaccount', '-n', ns, 'nobody']);
    const token = (await kubectl(['create', 'token', '-n', ns, 'nobody'])).trim();
    const forbidden = await kubeletGet(`/containerLogs/${ns}/talker/main`, { token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toContain(`cannot get nodes/proxy of node ${nodeName}`);

    await kubectl(['create', 'clusterrole', `vk-log-reader-${id}`, '--verb=get', '--resource=nodes/proxy']);
    await kubectl(['create', 'clusterrolebinding', `vk-log-reader-${id}`, `--clusterrole=vk-log-reader-${id}`, `--serviceaccount=${ns}:nobody`]);
    try {
      const reader = await kubectl(['create', 'token', '-n', ns, 'nobody']);
      // The denial is cached for 30 s, as a kubelet does.
      await expect.poll(async () => (await kubeletGet(`/containerLogs/${ns}/talker/main?limitBytes=8`, { token: reader.trim() })).body, { timeout: 40_000, interval: 2_000 }).toBe('line one');
    } finally {
      await kubectl(['delete', 'clusterrolebinding', `vk-log-reader-${id}`]);
      await kubectl(['delete', 'clusterrole', `vk-log-reader-${id}`]);
    }
  }, 90_000);

  it('accepts cluster-CA client certificates and serves /pods, /runningpods/ and /metrics', async () => {
    const cert = adminCert();
    const pods = await kubeletGet('/pods', cert);
    expect(pods.status).toBe(200);
    const list = JSON.parse(pods.body) as { kind: string; items: V1Pod[] };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata?.name)).toContain('talker');
    const running = JSON.parse((await kubeletGet('/runningpods/', cert)).body) as { items: V1Pod[] };
    expect(running.items.map((p) => p.metadata?.name)).toEqual(['talker']);
    const metrics = await kubeletGet('/metrics', cert);
    expect(metrics.body).toContain('interlink_vk_pods{phase="Running"}');
    expect(metrics.body).toContain('interlink_vk_relay_request_seconds_bucket');
    expect(metrics.body).toContain('interlink_vk_api_writes_total');
  });

  it('answers 400 for bad log options and 404 for unknown pods or containers', async () => {
    const cert = adminCert();
    expect((await kubeletGet(`/containerLogs/${ns}/talker/main?tailLines=-3`, cert)).status).toBe(400);
    expect((await kubeletGet(`/containerLogs/${ns}/nope/main`, cert)).status).toBe(404);
    const badContainer = await kubeletGet(`/containerLogs/${ns}/talker/other`, cert);
    expect(badContainer.status).toBe(404);
    expect(badContainer.body).toContain('container other is not valid');
  });

  it('says clearly that exec, attach and port-forward are not supported', async () => {
    const cert = adminCert();
    const exec = await kubeletGet(`/exec/${ns}/talker/main?command=ls`, cert);
    expect(exec.status).toBe(501);
    expect(exec.body).toContain('exec is not supported by the interLink virtual kubelet');
    expect((await kubeletGet(`/portForward/${ns}/talker`, cert)).status).toBe(501);
    expect((await kubeletGet('/stats/summary', cert)).status).toBe(501);
    const viaKubectl = await kubectl(['exec', '-n', ns, 'talker', '--', 'ls']).catch((e: Error) => e.message);
    expect(viaKubectl).toContain('exec is not supported by the interLink virtual kubelet');
  });

  it('uses only permissions listed in NODE_CONTROLLER_RULES', () => {
    expect(uncoveredAccess(started.access.values())).toEqual([]);
    expect(started.access.size).toBeGreaterThan(8);
  });
});
