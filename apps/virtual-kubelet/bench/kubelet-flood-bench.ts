/**
 * Issue 15, item 2: the kubelet API cannot be used to starve the node controller's API budget.
 * Run from the repository root:
 *
 *   npx tsx --tsconfig apps/virtual-kubelet/tsconfig.json apps/virtual-kubelet/bench/kubelet-flood-bench.ts [--requests 8000] [--concurrency 400] [--runs 5]
 *
 * The built controller, relay and Docker sidecar (unix sockets, real Docker Engine, bench API
 * server). Runs alternate: a 2 s pod applied alone, then a 2 s pod applied right after a flood of
 * `--requests` kubelet API requests with random bearer tokens (concurrency `--concurrency`, from
 * flood-client.ts in its own process) begins. Figures: apply→Succeeded without and with the flood,
 * the gaps between Lease renewals (as a watch sees them) overlapping a flood and not, the answers
 * the flood got and the TokenReviews it cost.
 * BENCH_PORT_BASE (metrics) / BENCH_KUBELET_PORT_BASE pin the TCP ports (default: any free port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { V1Lease, V1Node } from '@kubernetes/client-node';
import { ensureBench, repoRoot, waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, freePort, suffix, virtualPod } from '../test/support/kube-harness';
import { metric } from '../test/support/kubelet-client';
import { drainSidecar, ServiceProcess } from '../test/support/service-process';
import { VkProcess } from '../test/support/vk-process';
import { fmt, percentile, sleep, watchPods } from './bench-kit';

const args = process.argv.slice(2);
const numberArg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REQUESTS = numberArg('requests', 8000);
const CONCURRENCY = numberArg('concurrency', 400);
const RUNS = numberArg('runs', 5);

async function port(baseVar: string, offset: number): Promise<number> {
  const base = Number(process.env[baseVar] ?? 0);
  return base > 0 ? base + offset : freePort();
}

interface FloodResult {
  statuses: Record<string, number>;
  seconds: number;
}

/** flood-client.ts as a child process, started and ready; `go()` floods and resolves with its answers. */
async function floodClient(kubeletPort: number): Promise<{ go: () => Promise<FloodResult>; child: ChildProcess }> {
  const script = join(repoRoot, 'apps/virtual-kubelet/bench/flood-client.ts');
  const child = spawn(process.execPath, [...process.execArgv, script, String(kubeletPort), String(REQUESTS), String(CONCURRENCY)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { stdin, stdout } = child;
  const lines = createInterface({ input: stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.value !== 'ready') throw new Error(`flood client did not start: ${String(first.value)}`);
  const go = async (): Promise<FloodResult> => {
    stdin.write('go\n');
    const result = await iterator.next();
    await once(child, 'exit');
    return JSON.parse(String(result.value)) as FloodResult;
  };
  return { go, child };
}

/** Local receive times of every Lease change (a watch on the node's Lease); returns a stop function. */
async function watchLease(admin: KubeClient, nodeName: string, onRenew: (at: number, renewTime: number) => void): Promise<() => void> {
  const abort = new AbortController();
  const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
  const open = async (): Promise<void> => {
    const res = await admin.stream({ method: 'GET', path, query: { watch: true, fieldSelector: `metadata.name=${nodeName}`, timeoutSeconds: 3600 }, signal: abort.signal, timeoutMs: 30_000 });
    let buffer = '';
    let last = '';
    res.on('data', (chunk: Buffer) => {
      const at = Date.now();
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const ev = JSON.parse(buffer.slice(0, nl)) as { type: string; object: V1Lease };
        buffer = buffer.slice(nl + 1);
        const renew = String(ev.object.spec?.renewTime ?? '');
        if (ev.type !== 'DELETED' && renew !== last) onRenew(at, Date.parse(renew));
        last = renew;
      }
    });
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!abort.signal.aborted) setTimeout(() => void open().catch(() => undefined), 100);
    });
  };
  await open();
  return () => abort.abort();
}

/** Gaps between consecutive renewals, split by whether they overlap a flood window. */
function leaseGaps(renewals: number[], floods: Array<[number, number]>): { during: number[]; otherwise: number[] } {
  const during: number[] = [];
  const otherwise: number[] = [];
  for (let i = 1; i < renewals.length; i++) {
    const [a, b] = [renewals[i - 1] ?? 0, renewals[i] ?? 0];
    const overlaps = floods.some(([s, e]) => a < e && b > s);
    (overlaps ? during : otherwise).push((b - a) / 1000);
  }
  return { during, otherwise };
}

async function stack(id: string): Promise<{ vk: VkProcess; stop: () => Promise<void>; kubeletPort: number; metricsPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-flood-'));
  const instance = `bench-flood-${id}`;
  const plugin = new ServiceProcess('docker-sidecar', { Socket: `unix://${dir}/plugin.sock`, DataRootFolder: join(dir, 'data'), InstanceName: instance }, (c) => ['--config', c], { LOG_LEVEL: 'warn' });
  const relay = new ServiceProcess('interlink', { InterlinkAddress: `unix://${dir}/relay.sock`, SidecarURL: `unix://${dir}/plugin.sock`, ErrorsOnlyLogging: true }, (c) => ['--config', c]);
  plugin.start();
  relay.start();
  const kubeletPort = await port('BENCH_KUBELET_PORT_BASE', 0);
  const metricsPort = await port('BENCH_PORT_BASE', 0);
  // Default config: the review budget, cache TTLs and API budget are what a deployment gets.
  const vk = new VkProcess(`bench-flood-${id}`, { InterlinkURL: `unix://${dir}/relay.sock`, DisableCSR: true, MetricsAddress: `127.0.0.1:${metricsPort}` }, { KUBELET_PORT: String(kubeletPort), LOG_LEVEL: 'warn' });
  vk.start();
  const stop = async (): Promise<void> => {
    await drainSidecar(instance);
    await vk.kill('SIGTERM');
    await relay.stop();
    await plugin.stop();
  };
  return { vk, stop, kubeletPort, metricsPort };
}

async function main(): Promise<void> {
  await ensureBench(['docker', 'k8s']);
  const { admin } = await benchKube();
  const id = suffix();
  const ns = `bench-flood-${id}`;
  const s = await stack(id);
  const nodeName = s.vk.nodeName;
  const succeededAt = new Map<string, number>();
  const renewals: number[] = [];
  /** The controller's own renewTime stamps (taken when a renewal begins). */
  const renewStamps: number[] = [];
  const floods: Array<[number, number]> = [];
  const stops: Array<() => void> = [];
  const tokenReviews = async (): Promise<number> =>
    metric(await (await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).text(), 'interlink_vk_api_requests_total', { verb: 'create', resource: 'tokenreviews' });
  try {
    await waitFor(`node ${nodeName} Ready`, async () => {
      const n = await admin.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    }, { timeoutMs: 60_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${s.vk.output.slice(-20).join('\n')}`);
    });
    await createNamespace(admin, ns);
    stops.push(await watchPods(admin, ns, (pod, at) => {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Succeeded' && !succeededAt.has(name)) succeededAt.set(name, at);
    }));
    stops.push(
      await watchLease(admin, nodeName, (at, renewTime) => {
        renewals.push(at);
        renewStamps.push(renewTime);
      }),
    );
    console.log(`kubelet-flood: node ${nodeName} → relay → Docker sidecar; ${RUNS} runs; flood of ${REQUESTS} requests with random bearer tokens at concurrency ${CONCURRENCY} (keep-alive TLS)`);

    const podFor = async (name: string): Promise<number> => {
      const spec = { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '2'] }], restartPolicy: 'Never', terminationGracePeriodSeconds: 1 };
      const t0 = Date.now();
      await admin.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: virtualPod(nodeName, name, spec) });
      await waitFor(`${name} Succeeded`, () => succeededAt.has(name), { timeoutMs: 180_000, intervalMs: 10 });
      return ((succeededAt.get(name) ?? 0) - t0) / 1000;
    };
    await podFor('warm-up');
    const alone: number[] = [];
    const flooded: number[] = [];
    const answers: Record<string, number> = {};
    const rates: number[] = [];
    const reviews: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      alone.push(await podFor(`alone-${run}`));
      await sleep(2_000);
      const client = await floodClient(s.kubeletPort);
      const reviews0 = await tokenReviews();
      const start = Date.now();
      const flood = client.go();
      const podSeconds = await podFor(`flooded-${run}`);
      const result = await flood;
      floods.push([start, Date.now()]);
      flooded.push(podSeconds);
      reviews.push((await tokenReviews()) - reviews0);
      rates.push(REQUESTS / result.seconds);
      for (const [status, n] of Object.entries(result.statuses)) answers[status] = (answers[status] ?? 0) + n;
      console.log(`  run ${run + 1}: apply → Succeeded alone ${fmt(alone[run] ?? NaN)} s, during the flood ${fmt(podSeconds)} s; flood answers ${JSON.stringify(result.statuses)} in ${fmt(result.seconds)} s, TokenReviews made ${reviews[run]}`);
      await sleep(2_000);
    }
    // One more renewal after the last flood closes the last gap that overlaps it.
    const renewalsNow = renewals.length;
    await waitFor('a Lease renewal after the floods', () => renewals.length > renewalsNow, { timeoutMs: 30_000 });
    const gaps = leaseGaps(renewals, floods);
    const medianAlone = percentile(alone, 50);
    const medianFlooded = percentile(flooded, 50);
    console.log(`  pod apply → Succeeded (2 s pod, ${RUNS} runs each): alone median ${fmt(medianAlone)} s, during the flood median ${fmt(medianFlooded)} s max ${fmt(Math.max(...flooded))} s; delay ${fmt(medianFlooded - medianAlone)} s`);
    console.log(`  Lease renewals: max gap overlapping a flood ${fmt(Math.max(...gaps.during))} s (${gaps.during.length} gaps), otherwise ${fmt(Math.max(...gaps.otherwise))} s (${gaps.otherwise.length} gaps)`);
    // Where a late renewal lost its time: the controller starting it late (renewTime gaps) or the write reaching the API server late.
    const stampGaps = leaseGaps(renewStamps, floods);
    const lags = renewals.map((at, i) => (at - (renewStamps[i] ?? at)) / 1000);
    console.log(`  Lease renewTime gaps (controller clock): max overlapping a flood ${fmt(Math.max(...stampGaps.during))} s, otherwise ${fmt(Math.max(...stampGaps.otherwise))} s; renewTime → watch event max ${fmt(Math.max(...lags))} s`);
    const other = Object.entries(answers).filter(([k]) => k !== '401' && k !== '429').reduce((sum, [, n]) => sum + n, 0);
    console.log(`  flood answers in total: 401 × ${answers['401'] ?? 0}, 429 × ${answers['429'] ?? 0}, other × ${other}; median ${fmt(percentile(rates, 50), 0)} requests/s; TokenReviews per flood max ${Math.max(...reviews)}`);
  } finally {
    for (const stop of stops) stop();
    await deleteNamespace(admin, ns).catch(() => undefined);
    await s.stop();
    await cleanupNode(admin, nodeName);
    admin.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
