/**
 * Node-controller benchmarks (issue 6, "Performance"). Run from the repository root:
 *
 *   npx tsx --tsconfig apps/virtual-kubelet/tsconfig.json apps/virtual-kubelet/bench/vk-bench.ts [scale|docker|all] [--pods 1000]
 *
 * scale:  the built node controller with N pods on a fast in-memory test plugin: relay /status
 *         calls per tick, plugin→API status latency (p50/p99), RSS, idle CPU.
 * docker: the built controller, relay and Docker sidecar (unix sockets, real Docker Engine):
 *         single-pod apply→Running latency and 50 pods applied at once.
 * Needs the bench: tools/testbench/testbench.sh up k8s docker
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { ensureBench, waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, freePort, kubectl, suffix, virtualPod } from '../test/support/kube-harness';
import { drainSidecar, ServiceProcess } from '../test/support/service-process';
import { TestRelay } from '../test/support/test-relay';
import { VkProcess } from '../test/support/vk-process';
import { fmt, listPods, percentile, pool, processUsage, sleep, watchPods } from './bench-kit';

const args = process.argv.slice(2);
const part = args.find((a) => !a.startsWith('--')) ?? 'all';
const podsArg = args.indexOf('--pods');
const N = podsArg >= 0 ? Number(args[podsArg + 1]) : 1000;

async function nodeReady(admin: KubeClient, nodeName: string, vk: VkProcess): Promise<void> {
  await waitFor(`node ${nodeName} Ready`, async () => {
    const n = await admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined);
    return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }, { timeoutMs: 60_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${vk.output.slice(-20).join('\n')}`);
  });
}

async function scale(admin: KubeClient): Promise<void> {
  const id = suffix();
  const nodeName = `vk-bench-${id}`;
  const ns = `vk-bench-${id}`;
  const relay = new TestRelay({ ping: { status: 'ok', resources: { cpu: '100000', memory: '1000Ti', pods: String(N * 2) } } });
  await relay.start();
  const metricsPort = await freePort();
  const vk = new VkProcess(nodeName, { InterlinkURL: relay.url, InterlinkPort: relay.portString, DisableCSR: true, MetricsAddress: `127.0.0.1:${metricsPort}` }, { KUBELET_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  vk.start();
  const podWrites = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return Number(/interlink_vk_api_writes_total\{verb="update",resource="pods\/status"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  try {
    await nodeReady(admin, nodeName, vk);
    await createNamespace(admin, ns);
    const pid = vk.child?.pid ?? 0;
    console.log(`scale: ${N} pods on node ${nodeName} (default config, in-memory test plugin)`);
    await sleep(5000);
    console.log(`  RSS with no pods ${fmt(processUsage(pid).rssMb, 0)} MB`);

    const t0 = Date.now();
    await pool(Array.from({ length: N }, (_, i) => i), 40, async (i) => {
      const pod = virtualPod(nodeName, `p-${i}`, { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', 'infinity'] }] }, { labels: { bench: id } });
      await admin.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
    });
    const created = Date.now();
    await waitFor(`${N} pods Running`, async () => (await listPods(admin, ns)).filter((p) => p.status?.phase === 'Running').length === N, { timeoutMs: 15 * 60_000, intervalMs: 2_000 });
    const allRunning = Date.now();
    console.log(`  created ${N} pods in ${fmt((created - t0) / 1000, 1)} s; all Running after ${fmt((allRunning - t0) / 1000, 1)} s`);

    // Steady state: nothing changes at the plugin.
    await sleep(10_000);
    const calls0 = relay.calls.status;
    const batches0 = relay.statusBatchSizes.length;
    const u0 = processUsage(pid);
    const w0 = await podWrites();
    const window = 60;
    await sleep(window * 1000);
    const u1 = processUsage(pid);
    const w1 = await podWrites();
    const calls = relay.calls.status - calls0;
    const sizes = relay.statusBatchSizes.slice(batches0);
    console.log(`  steady ${window} s: ${calls} /status calls (${fmt(calls / (window / 1.5), 2)} per tick), pods per call min ${Math.min(...sizes)} max ${Math.max(...sizes)}`);
    console.log(`  idle CPU ${fmt(((u1.cpuSeconds - u0.cpuSeconds) / window) * 100, 1)} % of one core; RSS ${fmt(u1.rssMb, 0)} MB; pod status writes in the window: ${w1 - w0}`);

    // Status changes at the plugin → visible in the API server.
    const flips = Math.min(200, N);
    const flippedAt = new Map<string, number>();
    const latencies: number[] = [];
    const stop = await watchPods(admin, ns, (pod: V1Pod, at: number) => {
      const uid = pod.metadata?.uid ?? '';
      const t = flippedAt.get(uid);
      if (t !== undefined && pod.status?.phase === 'Succeeded') {
        latencies.push(at - t);
        flippedAt.delete(uid);
      }
    });
    const pods = (await listPods(admin, ns)).slice(0, flips);
    for (const [i, p] of pods.entries()) {
      const uid = p.metadata?.uid ?? '';
      flippedAt.set(uid, Date.now());
      relay.backend.setContainerState(uid, 'main', { terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date() } });
      if (i % 10 === 9) await sleep(500);
    }
    await waitFor('all flips visible', () => latencies.length === flips, { timeoutMs: 60_000 }).catch(() => undefined);
    stop();
    const u2 = processUsage(pid);
    console.log(`  ${flips} plugin status changes (20/s): seen ${latencies.length}; API visibility p50 ${fmt(percentile(latencies, 50) / 1000)} s, p99 ${fmt(percentile(latencies, 99) / 1000)} s, max ${fmt(Math.max(...latencies) / 1000)} s`);
    console.log(`  RSS after the changes ${fmt(u2.rssMb, 0)} MB`);
  } finally {
    await deleteNamespace(admin, ns).catch(() => undefined);
    await sleep(5000);
    await vk.kill('SIGTERM');
    await relay.stop();
    await cleanupNode(admin, nodeName);
  }
}

async function docker(admin: KubeClient): Promise<void> {
  await ensureBench(['docker']);
  const id = suffix();
  const nodeName = `vk-dbench-${id}`;
  const ns = `vk-dbench-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'vk-dbench-'));
  const plugin = new ServiceProcess('docker-sidecar', { Socket: `unix://${dir}/plugin.sock`, DataRootFolder: join(dir, 'data'), InstanceName: `vk-dbench-${id}` }, (c) => ['--config', c], { LOG_LEVEL: 'warn' });
  const relay = new ServiceProcess('interlink', { InterlinkAddress: `unix://${dir}/relay.sock`, SidecarURL: `unix://${dir}/plugin.sock`, ErrorsOnlyLogging: true }, (c) => ['--config', c]);
  plugin.start();
  relay.start();
  await waitFor('relay answering', () => {
    try {
      execFileSync('curl', ['-sf', '--unix-socket', `${dir}/relay.sock`, '-X', 'POST', 'http://unix/pinglink'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  });
  const vk = new VkProcess(nodeName, { InterlinkURL: `unix://${dir}/relay.sock`, DisableCSR: true }, { KUBELET_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  vk.start();
  const runningAt = new Map<string, number>();
  let stop: (() => void) | undefined;
  try {
    await nodeReady(admin, nodeName, vk);
    await createNamespace(admin, ns);
    stop = await watchPods(admin, ns, (pod, at) => {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, at);
    });
    const spec = { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 1 };
    console.log(`docker: node ${nodeName} → relay → Docker sidecar (unix sockets)`);

    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      const name = `single-${i}`;
      const t0 = Date.now();
      await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(virtualPod(nodeName, name, spec)));
      await waitFor(`${name} Running`, () => runningAt.has(name), { timeoutMs: 60_000, intervalMs: 20 });
      single.push((runningAt.get(name) ?? 0) - t0);
    }
    console.log(`  single pod kubectl apply → Running (10 runs): p50 ${fmt(percentile(single, 50) / 1000)} s, max ${fmt(Math.max(...single) / 1000)} s`);

    const list = { apiVersion: 'v1', kind: 'List', items: Array.from({ length: 50 }, (_, i) => virtualPod(nodeName, `burst-${i}`, spec)) };
    const t0 = Date.now();
    await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(list));
    await waitFor('50 pods Running', () => list.items.every((p) => runningAt.has(p.metadata?.name ?? '')), { timeoutMs: 120_000, intervalMs: 50 });
    const last = Math.max(...list.items.map((p) => runningAt.get(p.metadata?.name ?? '') ?? 0));
    console.log(`  50 pods in one kubectl apply: all Running after ${fmt((last - t0) / 1000)} s`);
  } finally {
    stop?.();
    await deleteNamespace(admin, ns).catch(() => undefined);
    await drainSidecar(`vk-dbench-${id}`);
    await vk.kill('SIGTERM');
    await relay.stop();
    await plugin.stop();
    await cleanupNode(admin, nodeName);
  }
}

async function main(): Promise<void> {
  const { admin } = await benchKube();
  console.log(`vk-bench ${new Date().toISOString()} (${part}, node ${process.version})`);
  if (part === 'scale' || part === 'all') await scale(admin);
  if (part === 'docker' || part === 'all') await docker(admin);
  admin.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
