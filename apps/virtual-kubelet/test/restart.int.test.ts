import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { JOB_ID_ANNOTATION } from '@interlink/api';
import { HttpClient } from '@interlink/http-kit';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, freePort, getPod, kubectl, suffix, virtualPod } from './support/kube-harness';
import { TestRelay } from './support/test-relay';
import { waitFor } from '@interlink/testbench';
import { VkProcess } from './support/vk-process';

let admin: KubeClient;
let relay: TestRelay;
let vk: VkProcess;
const id = suffix();
const nodeName = `vk-restart-${id}`;
const ns = `vk-restart-${id}`;
let config: Record<string, unknown>;
let port: number;
let metricsPort: number;

beforeAll(async () => {
  ({ admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  port = await freePort();
  metricsPort = await freePort();
  config = { InterlinkURL: relay.url, InterlinkPort: relay.portString, DisableCSR: true, PingIntervalSeconds: 1, StatusIntervalSeconds: 0.5, LeaseRenewIntervalSeconds: 2, MetricsAddress: `127.0.0.1:${metricsPort}` };
  vk = new VkProcess(nodeName, config, { KUBELET_PORT: String(port) });
  vk.start();
  await waitFor(
    `node ${nodeName} Ready`,
    async () => (await admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    { timeoutMs: 30_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; virtual kubelet output:\n${vk.output.slice(-20).join('\n')}`);
  });
}, 120_000);

afterAll(async () => {
  try {
    await vk?.kill();
    await deleteNamespace(admin, ns);
    await relay?.stop();
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
const longRunning = { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '3600'] }] };

describe('restart recovery of the built node controller', () => {
  it('never submits a pod twice across a crash, with or without a stored JobID', async () => {
    // A pod that completed its create before the crash (JobID stored).
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'before-crash', longRunning)));
    await expect.poll(async () => (await pod('before-crash')).metadata?.annotations?.[JOB_ID_ANNOTATION], { timeout: 20_000 }).toMatch(/^mem-/);
    await expect.poll(async () => (await pod('before-crash')).status?.phase, { timeout: 20_000 }).toBe('Running');

    // A pod whose create is in flight when the process dies: the plugin gets it, the JobID never reaches the API.
    relay.delay('create', 2500);
    const creates = relay.calls.create;
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'mid-flight', longRunning)));
    await expect.poll(() => relay.calls.create, { timeout: 20_000 }).toBe(creates + 1);
    expect(await vk.kill('SIGKILL')).toBeNull();
    const midUid = (await pod('mid-flight')).metadata!.uid!;
    await expect.poll(() => relay.backend.has(midUid), { timeout: 10_000 }).toBe(true);
    expect((await pod('mid-flight')).metadata?.annotations?.[JOB_ID_ANNOTATION]).toBeUndefined();
    relay.delay('create', 0);

    vk = new VkProcess(nodeName, config, { KUBELET_PORT: String(port) });
    vk.start();
    await expect.poll(async () => (await pod('mid-flight')).status?.phase, { timeout: 30_000 }).toBe('Running');
    await expect.poll(async () => (await pod('mid-flight')).metadata?.annotations?.[JOB_ID_ANNOTATION], { timeout: 10_000 }).toMatch(/^mem-/);
    const beforeUid = (await pod('before-crash')).metadata!.uid!;
    expect(relay.createdUids.filter((u) => u === midUid)).toHaveLength(1);
    expect(relay.createdUids.filter((u) => u === beforeUid)).toHaveLength(1);
    // Both were adopted because the plugin listed them, not because of what the API says.
    expect(vk.logLines('plugin lists this pod; adopted without re-submitting').map((l) => l['pod']).sort()).toEqual(['before-crash', 'mid-flight']);

    // Status keeps flowing for adopted pods.
    relay.backend.setContainerState(beforeUid, 'main', { terminated: { exitCode: 0, reason: 'Completed' } });
    await expect.poll(async () => (await pod('before-crash')).status?.phase, { timeout: 20_000 }).toBe('Succeeded');
  }, 120_000);

  it('creates again, exactly once, a pod the plugin does not list after a crash; decides nothing while the relay is down', async () => {
    // A create that never reached the plugin (the relay refused it) when the process died.
    relay.fail('create', 503, 'plugin unreachable');
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'never-arrived', longRunning)));
    await expect.poll(async () => (await pod('never-arrived')).status?.message ?? '', { timeout: 20_000 }).toMatch(/HTTP 503/);
    const neverUid = (await pod('never-arrived')).metadata!.uid!;
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, 'steady', longRunning)));
    expect(await vk.kill('SIGKILL')).toBeNull();
    relay.heal('create');
    expect(relay.backend.has(neverUid)).toBe(false);

    // Restart with the relay down: nothing is adopted, created or failed; pods keep their status.
    await relay.stop();
    const statusBefore = (await pod('mid-flight')).status;
    vk = new VkProcess(nodeName, config, { KUBELET_PORT: String(port) });
    vk.start();
    await expect.poll(() => vk.logLines('cannot ask the plugin whether it has this pod; the pod keeps its status, asking again').length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect((await pod('mid-flight')).status).toEqual(statusBefore);
    expect((await pod('never-arrived')).status?.phase).toBe('Pending');

    await relay.start();
    await expect.poll(async () => (await pod('never-arrived')).status?.phase, { timeout: 40_000 }).toBe('Running');
    await expect.poll(async () => (await pod('steady')).status?.phase, { timeout: 20_000 }).toBe('Running');
    expect(relay.createdUids.filter((u) => u === neverUid)).toHaveLength(1);
    expect(vk.logLines('plugin does not list this pod; creating it (again)').map((l) => l['pod'])).toContain('never-arrived');
    // The pods the plugin has were adopted, not submitted again.
    const midUid = (await pod('mid-flight')).metadata!.uid!;
    expect(relay.createdUids.filter((u) => u === midUid)).toHaveLength(1);
    expect((await pod('mid-flight')).status?.phase).toBe('Running');
  }, 120_000);

  it('serves /healthz and Prometheus /metrics on MetricsAddress', async () => {
    const client = new HttpClient({ baseUrl: `http://127.0.0.1:${metricsPort}` });
    const health = await client.request({ method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    const metrics = (await client.request({ method: 'GET', path: '/metrics' })).text();
    client.close();
    expect(metrics).toMatch(/interlink_vk_node_ready 1/);
    expect(metrics).toMatch(/interlink_vk_status_polls_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/interlink_vk_api_writes_total\{verb="update",resource="pods\/status"\} [1-9]/);
    expect(metrics).toMatch(/interlink_vk_relay_request_seconds_count\{op="GetStatus",outcome="ok"\} [1-9]/);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('exits with a clear message when the node name is missing', async () => {
    const bad = new VkProcess('', config);
    bad.start();
    const code = await new Promise<number | null>((resolve) => bad.child!.once('exit', resolve));
    expect(code).toBe(2);
    expect(bad.output.join('\n')).toContain('the node name is required: set NODENAME or pass --nodename <name>');
  });
});
