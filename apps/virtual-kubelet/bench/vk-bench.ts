/**
 * Node-controller benchmarks (issue 6, "Performance"). Run from the repository root:
 *
 *   npx tsx --tsconfig apps/virtual-kubelet/tsconfig.json apps/virtual-kubelet/bench/vk-bench.ts [scale|docker|all] [--pods 1000]
 *
 * scale:  the built node controller and the built relay with N pods on a fast in-memory test
 *         plugin: relay /status calls per tick, plugin→API status latency (p50/p99), RSS and CPU
 *         of both processes at steady state.
 * docker: the built controller, relay and Docker sidecar (unix sockets, real Docker Engine):
 *         apply→Running latency of pods one after another, a burst applied at once against raw
 *         dockerode, and `kubectl logs -f` latency and throughput through the whole chain.
 * Needs the bench: tools/testbench/testbench.sh up k8s docker
 * BENCH_PORT_BASE / BENCH_KUBELET_PORT_BASE pin the TCP ports (default: any free port).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { HttpClient } from '@interlink/http-kit';
import { benchEnv, ensureBench, waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import {
  benchKube,
  cleanupNode,
  createNamespace,
  deleteNamespace,
  freePort,
  kubectl,
  suffix,
  virtualPod,
} from '../test/support/kube-harness';
import { drainSidecar, ServiceProcess } from '../test/support/service-process';
import { TestRelay } from '../test/support/test-relay';
import { VkProcess } from '../test/support/vk-process';
import { fmt, listPods, percentile, pool, processUsage, sleep, watchPods } from './bench-kit';

const args = process.argv.slice(2);
const part = args.find((a) => !a.startsWith('--')) ?? 'all';
const podsArg = args.indexOf('--pods');
const N = podsArg >= 0 ? Number(args[podsArg + 1]) : 1000;
function numberArg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
/** Steady-state window of the scale part, single-pod runs and burst size of the docker part. */
const STEADY_SECONDS = numberArg('steady', 60);
const SINGLE_RUNS = numberArg('single', 10);
const BURST = numberArg('burst', 50);
const LOG_SAMPLES = numberArg('log-samples', 300);
const LOG_MB = numberArg('log-mb', 8);

/** A TCP port: BASE + offset when the env pins a range (the bench runner does), else any free one. */
async function port(baseVar: string, offset: number): Promise<number> {
  const base = Number(process.env[baseVar] ?? 0);
  return base > 0 ? base + offset : freePort();
}

async function nodeReady(admin: KubeClient, nodeName: string, vk: VkProcess): Promise<void> {
  await waitFor(
    `node ${nodeName} Ready`,
    async () => {
      const n = await admin
        .request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` })
        .catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    },
    { timeoutMs: 60_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${vk.output.slice(-20).join('\n')}`);
  });
}

async function relayReady(url: string): Promise<void> {
  const relay = new HttpClient({ baseUrl: url, connectTimeoutMs: 2_000 });
  try {
    await waitFor(
      'relay answering /readyz',
      async () => (await relay.request({ method: 'GET', path: '/readyz', timeoutMs: 5_000 }).catch(() => undefined))?.status === 200,
      { timeoutMs: 30_000 },
    );
  } finally {
    relay.close();
  }
}

async function scale(admin: KubeClient): Promise<void> {
  const id = suffix();
  const nodeName = `bench-scale-${id}`;
  const ns = `bench-scale-${id}`;
  // The in-memory plugin sits behind the built relay, as a real plugin would.
  const plugin = new TestRelay();
  await plugin.start(await port('BENCH_PORT_BASE', 0));
  const relayPort = await port('BENCH_PORT_BASE', 1);
  const relay = new ServiceProcess(
    'interlink',
    {
      InterlinkAddress: 'http://127.0.0.1',
      InterlinkPort: String(relayPort),
      SidecarURL: plugin.url,
      SidecarPort: plugin.portString,
      ErrorsOnlyLogging: true,
    },
    (c) => ['--config', c],
  );
  relay.start();
  await relayReady(`http://127.0.0.1:${relayPort}`);
  const metricsPort = await port('BENCH_PORT_BASE', 2);
  const vk = new VkProcess(
    nodeName,
    {
      InterlinkURL: 'http://127.0.0.1',
      InterlinkPort: String(relayPort),
      DisableCSR: true,
      MetricsAddress: `127.0.0.1:${metricsPort}`,
    },
    { KUBELET_PORT: String(await port('BENCH_KUBELET_PORT_BASE', 0)), LOG_LEVEL: 'warn' },
  );
  vk.start();
  const metrics = new HttpClient({ baseUrl: `http://127.0.0.1:${metricsPort}` });
  const metricsText = async (): Promise<string> => (await metrics.request({ method: 'GET', path: '/metrics' })).text();
  const podWrites = async (): Promise<number> => {
    const text = await metricsText();
    return Number(
      /interlink_vk_api_writes_total\{verb="update",resource="pods\/status"\} (\d+)/.exec(text)?.[1] ?? 0,
    );
  };
  const heapMb = async (): Promise<string> => {
    const text = await metricsText();
    const used = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 1e6;
    const total = Number(/^nodejs_heap_size_total_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 1e6;
    return `V8 heap used ${fmt(used, 0)} MB of ${fmt(total, 0)} MB`;
  };
  // Pings reach the plugin as /status with no pods; only pod batches are status polls.
  const podBatches = (): number[] => plugin.statusBatchSizes.filter((n) => n > 0);
  try {
    await nodeReady(admin, nodeName, vk);
    await createNamespace(admin, ns);
    const pid = vk.child?.pid ?? 0;
    const relayPid = relay.child?.pid ?? 0;
    console.log(`scale: ${N} pods on node ${nodeName} (default config, built relay, in-memory test plugin)`);
    await sleep(5000);
    console.log(
      `  RSS with no pods: virtual kubelet ${fmt(processUsage(pid).rssMb, 0)} MB, relay ${fmt(processUsage(relayPid).rssMb, 0)} MB`,
    );

    const t0 = Date.now();
    await pool(
      Array.from({ length: N }, (_, i) => i),
      40,
      async (i) => {
        const pod = virtualPod(
          nodeName,
          `p-${i}`,
          { containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', 'infinity'] }] },
          { labels: { bench: id } },
        );
        await admin.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
      },
    );
    const created = Date.now();
    await waitFor(
      `${N} pods Running`,
      async () => (await listPods(admin, ns)).filter((p) => p.status?.phase === 'Running').length === N,
      { timeoutMs: 30 * 60_000, intervalMs: 2_000 },
    );
    const allRunning = Date.now();
    console.log(
      `  created ${N} pods in ${fmt((created - t0) / 1000, 1)} s; all Running after ${fmt((allRunning - t0) / 1000, 1)} s`,
    );

    // Steady state: nothing changes at the plugin.
    await sleep(10_000);
    const batches0 = podBatches().length;
    const u0 = processUsage(pid);
    const r0 = processUsage(relayPid);
    const w0 = await podWrites();
    const window = STEADY_SECONDS;
    await sleep(window * 1000);
    const u1 = processUsage(pid);
    const r1 = processUsage(relayPid);
    const w1 = await podWrites();
    const sizes = podBatches().slice(batches0);
    const calls = sizes.length;
    console.log(
      `  steady ${window} s: ${calls} /status calls (${fmt(calls / (window / 1.5), 2)} per tick), pods per call min ${Math.min(...sizes)} max ${Math.max(...sizes)}`,
    );
    console.log(
      `  idle CPU ${fmt(((u1.cpuSeconds - u0.cpuSeconds) / window) * 100, 1)} % of one core; RSS ${fmt(u1.rssMb, 0)} MB (${await heapMb()}); pod status writes in the window: ${w1 - w0}`,
    );
    console.log(
      `  relay at steady state: CPU ${fmt(((r1.cpuSeconds - r0.cpuSeconds) / window) * 100, 1)} % of one core; RSS ${fmt(r1.rssMb, 0)} MB`,
    );

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
      plugin.backend.setContainerState(uid, 'main', {
        terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date() },
      });
      if (i % 10 === 9) await sleep(500);
    }
    await waitFor('all flips visible', () => latencies.length === flips, { timeoutMs: 60_000 }).catch(
      () => undefined,
    );
    stop();
    const u2 = processUsage(pid);
    console.log(
      `  ${flips} plugin status changes (20/s): seen ${latencies.length}; API visibility p50 ${fmt(percentile(latencies, 50) / 1000)} s, p99 ${fmt(percentile(latencies, 99) / 1000)} s, max ${fmt(Math.max(...latencies) / 1000)} s`,
    );
    console.log(`  RSS after the changes ${fmt(u2.rssMb, 0)} MB`);
  } finally {
    await deleteNamespace(admin, ns).catch(() => undefined);
    await sleep(5000);
    await vk.kill('SIGTERM');
    metrics.close();
    await relay.stop();
    await plugin.stop();
    await cleanupNode(admin, nodeName);
  }
}

async function docker(admin: KubeClient): Promise<void> {
  await ensureBench(['docker']);
  const id = suffix();
  const nodeName = `bench-docker-${id}`;
  const ns = `bench-docker-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-docker-'));
  const plugin = new ServiceProcess(
    'docker-sidecar',
    {
      Socket: `unix://${dir}/plugin.sock`,
      DataRootFolder: join(dir, 'data'),
      InstanceName: `bench-docker-${id}`,
      MaxPods: 1000,
    },
    (c) => ['--config', c],
    { LOG_LEVEL: 'warn' },
  );
  const relay = new ServiceProcess(
    'interlink',
    {
      InterlinkAddress: `unix://${dir}/relay.sock`,
      SidecarURL: `unix://${dir}/plugin.sock`,
      ErrorsOnlyLogging: true,
    },
    (c) => ['--config', c],
  );
  plugin.start();
  relay.start();
  await waitFor('relay answering', () => {
    try {
      execFileSync(
        'curl',
        ['-sf', '--unix-socket', `${dir}/relay.sock`, '-X', 'POST', 'http://unix/pinglink'],
        { stdio: 'pipe' },
      );
      return true;
    } catch {
      return false;
    }
  });
  const vk = new VkProcess(
    nodeName,
    { InterlinkURL: `unix://${dir}/relay.sock`, DisableCSR: true },
    { KUBELET_PORT: String(await port('BENCH_KUBELET_PORT_BASE', 1)), LOG_LEVEL: 'warn' },
  );
  vk.start();
  const runningAt = new Map<string, number>();
  let stop: (() => void) | undefined;
  const create = (pod: V1Pod) =>
    admin.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
  try {
    await nodeReady(admin, nodeName, vk);
    await createNamespace(admin, ns);
    stop = await watchPods(admin, ns, (pod, at) => {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, at);
    });
    const spec = {
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
        },
      ],
      terminationGracePeriodSeconds: 1,
    };
    console.log(`docker: node ${nodeName} → relay → Docker sidecar (unix sockets)`);

    // Clock: from just before the API create (what `kubectl apply` sends) until a watch delivers
    // phase Running; kubectl's own process start-up (0.3–0.9 s here) is left out.
    const single: number[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++) {
      const name = `single-${i}`;
      const t0 = Date.now();
      await create(virtualPod(nodeName, name, spec));
      await waitFor(`${name} Running`, () => runningAt.has(name), { timeoutMs: 60_000, intervalMs: 10 });
      single.push((runningAt.get(name) ?? 0) - t0);
    }
    console.log(
      `  single pod apply → Running (${SINGLE_RUNS} runs): p50 ${fmt(percentile(single, 50) / 1000)} s, p95 ${fmt(percentile(single, 95) / 1000)} s, p99 ${fmt(percentile(single, 99) / 1000)} s, max ${fmt(Math.max(...single) / 1000)} s`,
    );
    await logFollow(admin, ns, nodeName);
    // Free the engine before the burst so that both measurements start from the same state.
    await kubectl(['delete', 'pods', '-n', ns, '--all', '--wait=true', '--timeout=600s']);

    const burst = Array.from({ length: BURST }, (_, i) => virtualPod(nodeName, `burst-${i}`, spec));
    const t0 = Date.now();
    await pool(burst, 50, async (p) => void (await create(p)));
    await waitFor(`${BURST} pods Running`, () => burst.every((p) => runningAt.has(p.metadata?.name ?? '')), {
      timeoutMs: 15 * 60_000,
      intervalMs: 50,
    });
    const last = Math.max(...burst.map((p) => runningAt.get(p.metadata?.name ?? '') ?? 0));
    const stackSeconds = (last - t0) / 1000;
    console.log(
      `  ${BURST} pods applied at once: all Running after ${fmt(stackSeconds)} s (${fmt(BURST / stackSeconds, 1)} pods/s)`,
    );
    await kubectl(['delete', 'pods', '-n', ns, '--all', '--wait=true', '--timeout=900s']);
    await drainSidecar(`bench-docker-${id}`, 300_000);
    const rawSeconds = await rawDockerode(BURST, id);
    console.log(
      `  raw dockerode create+start of ${BURST} containers in parallel: ${fmt(rawSeconds)} s (${fmt(BURST / rawSeconds, 1)} containers/s); stack rate / raw rate = ${fmt(rawSeconds / stackSeconds, 2)}`,
    );
    // The Docker sidecar starts two containers per pod (a sandbox holding the network namespace,
    // then the app container in it), as a kubelet does with its pause container.
    const podShapedSeconds = await rawDockerode(BURST, `${id}-pod`, true);
    console.log(
      `  raw dockerode, pod-shaped (sandbox + container in its network namespace) × ${BURST}: ${fmt(podShapedSeconds)} s (${fmt(BURST / podShapedSeconds, 1)} pods/s); stack rate / pod-shaped raw rate = ${fmt(podShapedSeconds / stackSeconds, 2)}`,
    );
  } finally {
    stop?.();
    await deleteNamespace(admin, ns).catch(() => undefined);
    await drainSidecar(`bench-docker-${id}`);
    await vk.kill('SIGTERM');
    await relay.stop();
    await plugin.stop();
    await cleanupNode(admin, nodeName);
  }
}

/** `kubectl logs -f` on a pod; `onData` returns true when it has read enough. Gives up after 3 minutes. */
function follow(ns: string, pod: string, onData: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', benchEnv.kubeconfig, 'logs', '-f', '-n', ns, pod]);
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (d: Buffer) => {
      if (onData(d)) child.kill('SIGINT');
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const uptime = (): number => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

/**
 * Log follow through API server → kubelet API → relay → Docker sidecar → the container's log.
 * Latency: the container prints /proc/uptime every 50 ms and each line is compared with
 * /proc/uptime when kubectl hands it over (same kernel, 10 ms resolution). Throughput: a
 * container writes LOG_MB of 100-byte lines at once; first to last byte read.
 */
async function logFollow(admin: KubeClient, ns: string, nodeName: string): Promise<void> {
  const box = (script: string) => ({
    containers: [
      {
        name: 'main',
        image: 'busybox:latest',
        imagePullPolicy: 'IfNotPresent',
        command: ['sh', '-c', script],
      },
    ],
    terminationGracePeriodSeconds: 1,
  });
  const running = (name: string) =>
    waitFor(`${name} Running`, async () => (await getPodPhase(admin, ns, name)) === 'Running', {
      timeoutMs: 60_000,
      intervalMs: 100,
    });

  await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/pods`,
    body: virtualPod(nodeName, 'ticker', box('while true; do cat /proc/uptime; sleep 0.05; done')),
  });
  await running('ticker');
  const latencies: number[] = [];
  let rest = '';
  let backlog = true;
  await follow(ns, 'ticker', (d) => {
    const now = uptime();
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    // The first chunk is the backlog written before the follow began.
    if (backlog) backlog = false;
    else for (const l of lines) latencies.push((now - Number(l.split(' ')[0])) * 1000);
    return latencies.length >= LOG_SAMPLES;
  });
  const valid = latencies.filter(Number.isFinite);
  console.log(
    `  log follow latency (${valid.length} lines, container write → kubectl logs -f read): p50 ${fmt(percentile(valid, 50), 0)} ms, p99 ${fmt(percentile(valid, 99), 0)} ms, max ${fmt(Math.max(...valid), 0)} ms`,
  );

  const bytes = LOG_MB * 1_000_000;
  const line = '0123456789'.repeat(10).slice(0, 99);
  await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/pods`,
    body: virtualPod(nodeName, 'firehose', box(`yes ${line} | head -c ${bytes}; sleep 3600`)),
  });
  await running('firehose');
  let got = 0;
  let first = 0;
  let last = 0;
  await follow(ns, 'firehose', (d) => {
    const now = performance.now();
    if (got === 0) first = now;
    got += d.length;
    last = now;
    return got >= bytes;
  });
  const seconds = (last - first) / 1000;
  console.log(
    `  log follow throughput: ${fmt(got / 1e6, 1)} MB in ${fmt(seconds)} s = ${fmt(got / 1e6 / seconds, 1)} MB/s`,
  );
}

async function getPodPhase(admin: KubeClient, ns: string, name: string): Promise<string | undefined> {
  return (
    await admin
      .request<V1Pod>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${name}` })
      .catch(() => undefined)
  )?.status?.phase;
}

/** The baseline: the same containers straight through dockerode, no Kubernetes, no interLink. */
async function rawDockerode(n: number, id: string, withSandbox = false): Promise<number> {
  const { default: Docker } = await import('dockerode');
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const label = `bench-raw-${id}`;
  const t0 = Date.now();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    n,
    async (i) => {
      let networkMode: string | undefined;
      if (withSandbox) {
        const sandbox = await docker.createContainer({
          name: `${label}-${i}-sandbox`,
          Image: 'busybox:latest',
          Cmd: ['sleep', 'infinity'],
          Labels: { [label]: '1' },
        });
        await sandbox.start();
        networkMode = `container:${sandbox.id}`;
      }
      const c = await docker.createContainer({
        name: `${label}-${i}`,
        Image: 'busybox:latest',
        Cmd: ['sleep', '3600'],
        Labels: { [label]: '1' },
        HostConfig: { AutoRemove: false, ...(networkMode ? { NetworkMode: networkMode } : {}) },
      });
      await c.start();
    },
  );
  const seconds = (Date.now() - t0) / 1000;
  const made = await docker.listContainers({ all: true, filters: { label: [label] } });
  await pool(made, 16, async (c) => docker.getContainer(c.Id).remove({ force: true }));
  return seconds;
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
