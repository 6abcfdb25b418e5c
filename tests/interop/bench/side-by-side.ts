/**
 * Side by side: the same pods through upstream's chain (their node controller → their relay) and
 * ours (our node controller → our relay), both on ONE Docker sidecar of ours, in the same run.
 *   tsx tests/interop/bench/side-by-side.ts [--quick]
 * Ports 26100-26119 (this suite's range), nodes interop-bench-*. Prints one line per figure;
 * bench/src/steps.ts reads them into BENCHMARKS.md.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { ensureBench, runOk, sleep, waitFor } from '@interlink/testbench';
import { startChain, type RunningChain } from '../test/support/chain';
import { createNamespace, deleteNamespace, deleteNode, getNode, nodeReady } from '../test/support/kube';
import { box, podOn } from '../test/support/pod-kinds';
import { locateUpstream } from '../test/support/upstream-bins';
import { clearPods, coreApi, timeBurst, timeOnePod } from './kube-timing';
import { UsageSampler } from './process-usage';

const quick = process.argv.includes('--quick');
const SEQUENTIAL = quick ? 5 : 20;
const BURSTS = quick ? [10, 30] : [30, 200];

function p50(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : (v[Math.ceil(v.length / 2) - 1] as number);
}

const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));

async function sequential(api: CoreV1Api, ns: string, node: string, side: string): Promise<void> {
  const running: number[] = [];
  const finished: number[] = [];
  let failed = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = await timeOnePod(api, ns, podOn(node, `seq-${i}`, { containers: [box('c', 'echo done')] }));
    running.push(t.running);
    // a pod that Failed is no Succeeded time: counted, not measured
    if (t.phase === 'Succeeded') finished.push(t.finished);
    else failed += 1;
  }
  const seenRunning = running.filter((x) => !Number.isNaN(x)).length;
  console.log(
    `side-by-side ${side} apply→Running p50 ${fmt(p50(running))} s (Running seen in ${seenRunning}/${SEQUENTIAL})`,
  );
  console.log(
    `side-by-side ${side} apply→Succeeded p50 ${fmt(p50(finished))} s (${finished.length} of ${SEQUENTIAL} pods Succeeded, ${failed} Failed)`,
  );
  await clearPods(api, ns);
}

/** A running pod's container is killed behind the chain's back: seconds until the pod shows it. */
async function propagation(api: CoreV1Api, ns: string, node: string, side: string): Promise<void> {
  await api.createNamespacedPod({
    namespace: ns,
    body: podOn(node, 'prop', { containers: [box('c', 'sleep 600')] }),
  });
  const uid = await waitFor(
    'prop Running',
    async () => {
      const p = await api.readNamespacedPod({ name: 'prop', namespace: ns });
      return p.status?.phase === 'Running' && p.metadata?.uid;
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
  const ids = (await runOk('docker', ['ps', '-q', '--filter', `label=interlink.pod-uid=${uid}`]))
    .split('\n')
    .filter(Boolean);
  const t0 = Date.now();
  await runOk('docker', ['kill', ...ids]);
  await waitFor(
    'prop Failed',
    async () => (await api.readNamespacedPod({ name: 'prop', namespace: ns })).status?.phase === 'Failed',
    {
      timeoutMs: 120_000,
      intervalMs: 100,
    },
  );
  console.log(
    `side-by-side ${side} status propagation ${fmt((Date.now() - t0) / 1000)} s (container killed → pod Failed)`,
  );
  await clearPods(api, ns);
}

async function measureSide(api: CoreV1Api, chain: RunningChain, side: string): Promise<void> {
  const ns = `interop-bench-${side}-${Date.now().toString(36)}`;
  await createNamespace(ns);
  try {
    const sampler = new UsageSampler(
      new Map([
        ['node controller', chain.group.pid('vk') ?? 0],
        ['relay', chain.group.pid('relay') ?? 0],
      ]),
    );
    sampler.begin();
    await sequential(api, ns, chain.nodeName, side);
    for (const [i, n] of BURSTS.entries()) {
      const s = await timeBurst(api, { ns, node: chain.nodeName, count: n, tag: `burst${n}` });
      console.log(
        `side-by-side ${side} burst ${i === 0 ? 'small' : 'large'} ${n} pods all finished ${fmt(s)} s`,
      );
      await clearPods(api, ns);
    }
    await propagation(api, ns, chain.nodeName, side);
    for (const [name, u] of sampler.end())
      console.log(
        `side-by-side ${side} ${name} cpu ${u.cpuSeconds.toFixed(1)} s, peak RSS ${u.peakRssMb.toFixed(0)} MB`,
      );
  } finally {
    await deleteNamespace(ns);
  }
}

async function main(): Promise<void> {
  await ensureBench(['docker', 'k8s']);
  const upstream = await locateUpstream();
  if (!upstream.available) {
    console.log(`side-by-side NOT RUN: ${upstream.reason}`);
    process.exit(process.env.CI === 'true' ? 1 : 0);
  }
  const ours = await startChain(
    { id: 'bench-ours', vk: 'ours', relay: 'ours', plugin: 'docker', basePort: 26100 },
    upstream.binDir,
  );
  const shared = { url: 'http://127.0.0.1', port: String(ours.ports.plugin) };
  const theirs = await startChain(
    { id: 'bench-theirs', vk: 'theirs', relay: 'theirs', plugin: 'docker', basePort: 26110 },
    upstream.binDir,
    shared,
  );
  try {
    const api = coreApi();
    for (const c of [ours, theirs])
      await waitFor(`${c.nodeName} Ready`, async () => nodeReady(await getNode(c.nodeName)), {
        timeoutMs: 120_000,
        intervalMs: 500,
      });
    await sleep(2000);
    // one side after the other: both at once would measure each other's load
    await measureSide(api, theirs, 'theirs');
    await measureSide(api, ours, 'ours');
  } finally {
    await theirs.stop();
    await ours.stop();
    await deleteNode(ours.nodeName);
    await deleteNode(theirs.nodeName);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
