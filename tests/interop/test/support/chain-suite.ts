import { rmSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, waitFor } from '@interlink/testbench';
import { startChain, type ChainSpec, type RunningChain } from './chain';
import {
  apply,
  createNamespace,
  deleteNamespace,
  deleteNode,
  getNode,
  kubectl,
  listPods,
  nodeReady,
  podLogs,
  waitGone,
  waitPhase,
} from './kube';
import { leftovers } from './leftovers';
import { followLogsThenDelete } from './follow-logs';
import {
  CONFIG_LINES,
  CONFIG_OBJECTS,
  burstPods,
  configPod,
  failingPod,
  helloPod,
  longRunningPod,
  mountRoot,
  sharedDirPod,
} from './pod-kinds';

/**
 * Upstream's node controller polls /status every 5 s and sets Running late; upstream's Slurm
 * plugin answers /status from a 10 s global cache. Phases therefore take up to ~20 s longer
 * through their programs than through ours: the waits below allow for that (they are limits,
 * not measurements; speed is measured in bench/).
 */
const PHASE_TIMEOUT_MS = 150_000;
const BURST_SIZE = 30;

export interface ChainContext {
  chain: RunningChain;
  ns: string;
  uids: string[];
}

/** The shared scenario of every chain: node readiness, six pod kinds, a burst, clean deletes. */
export function describeChain(spec: ChainSpec, extra?: (ctx: () => ChainContext) => void): void {
  const missing = inject('upstreamMissing');
  const title = `${spec.id}: vk ${spec.vk} → relay ${spec.relay} → plugin ${spec.plugin}`;
  if (missing) {
    describe(title, () => {
      it(`NOT RUN (upstream programs unavailable: ${missing})`, () => {
        // Only a developer machine without the sources may get here; CI must run the suite.
        expect(process.env.CI).not.toBe('true');
      });
    });
    return;
  }
  describe(title, () => {
    let ctx: ChainContext | undefined;
    const get = (): ChainContext => {
      if (!ctx) throw new Error(`chain ${spec.id} did not start`);
      return ctx;
    };
    beforeAll(async () => {
      const chain = await startChain(spec, inject('upstreamBinDir'));
      ctx = { chain, ns: `interop-${spec.id}-${Date.now().toString(36)}`, uids: [] };
      await createNamespace(ctx.ns);
      await apply(ctx.ns, CONFIG_OBJECTS);
    }, 180_000);
    afterAll(async () => {
      if (!ctx) return;
      await deleteAllPods(ctx).catch(() => undefined);
      await ctx.chain.stop();
      await deleteNamespace(ctx.ns);
      await deleteNode(ctx.chain.nodeName);
      rmSync(mountRoot(ctx.ns), { recursive: true, force: true });
    }, 180_000);

    podKindTests(get);
    extra?.(get);
    burstAndCleanupTests(get);
  });
}

function podKindTests(get: () => ChainContext): void {
  it('registers its node, which becomes Ready', async () => {
    const { chain } = get();
    const node = await waitFor(
      `node ${chain.nodeName} Ready`,
      async () => nodeReady(await getNode(chain.nodeName)) && getNode(chain.nodeName),
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- vk log\n${chain.group.tail('vk')}`);
    });
    expect(node.status?.addresses?.some((a) => a.address === '127.0.0.1')).toBe(true);
    // The five pod kinds run side by side: apply them all now, each test below waits for its own.
    const { ns } = get();
    const n = chain.nodeName;
    await apply(ns, [helloPod(n), configPod(n, ns), sharedDirPod(n, ns), failingPod(n), longRunningPod(n)]);
  }, 180_000);

  it(
    'hello: a fieldRef env var reaches the container, Succeeded, log matches',
    async () => {
      const { ns } = get();
      await phaseOf(get(), 'hello', ['Succeeded']);
      // toContain, not toBe: upstream's Slurm plugin puts job.out (the job's own output) in front of
      // every container log (its bug).
      expect(await podLogs(ns, 'hello')).toContain('hello from hello');
    },
    PHASE_TIMEOUT_MS + 30_000,
  );

  it(
    'ConfigMap and Secret as env and as volumes',
    async () => {
      const { ns } = get();
      await phaseOf(get(), 'config', ['Succeeded']);
      const log = await podLogs(ns, 'config');
      for (const line of CONFIG_LINES) expect(log).toContain(line);
    },
    PHASE_TIMEOUT_MS + 30_000,
  );

  it(
    'init container, then two containers sharing an emptyDir',
    async () => {
      const { ns } = get();
      const pod = await phaseOf(get(), 'shared', ['Succeeded']);
      const states = (pod.status?.containerStatuses ?? []).map((s) => [
        s.name,
        s.state?.terminated?.exitCode,
      ]);
      expect(Object.fromEntries(states)).toEqual({ writer: 0, reader: 0 });
      expect(await podLogs(ns, 'shared', 'writer')).toContain('from-init');
      expect(await podLogs(ns, 'shared', 'reader')).toContain('reader sees from-init from-writer');
    },
    PHASE_TIMEOUT_MS + 30_000,
  );

  it(
    'exit 3 → Failed with exit code 3',
    async () => {
      const { ns } = get();
      const pod = await phaseOf(get(), 'exit3', ['Failed']);
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
      expect(await podLogs(ns, 'exit3')).toContain('about to fail');
    },
    PHASE_TIMEOUT_MS + 30_000,
  );

  it(
    'long-running pod: kubectl logs -f streams, delete ends the stream and the pod',
    async () => {
      const ctx = get();
      const pod = await phaseOf(ctx, 'ticker', ['Running']);
      const uid = pod.metadata?.uid ?? '';
      const streamed = await followLogsThenDelete(ctx.ns, 'ticker', 'tick 2');
      expect(streamed).toMatch(/tick 0\ntick 1\ntick 2/);
      await waitGone(ctx.ns, 'ticker', 120_000);
      await eventually(
        `nothing left of ${uid}`,
        async () => ((await leftovers(ctx.chain, [uid])).length === 0 ? true : undefined),
        90_000,
        1000,
      );
    },
    PHASE_TIMEOUT_MS + 150_000,
  );
}

function burstAndCleanupTests(get: () => ChainContext): void {
  it(`a burst of ${BURST_SIZE} pods at once: all Succeeded, each log its own`, async () => {
    const { ns, chain } = get();
    await apply(ns, burstPods(chain.nodeName, BURST_SIZE));
    const done = await waitFor(
      `${BURST_SIZE} burst pods finished`,
      async () => {
        const pods = (await listPods(ns)).filter((p) => p.metadata?.name?.startsWith('burst-'));
        const finished = pods.filter((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
        return finished.length === BURST_SIZE && pods;
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
    const phases = done.map((p) => `${p.metadata?.name}=${p.status?.phase}`).sort();
    const firstFailed = done.find((p) => p.status?.phase !== 'Succeeded')?.status;
    const why = JSON.stringify(firstFailed?.containerStatuses?.[0]?.state ?? firstFailed?.message ?? '');
    expect(
      phases.filter((p) => !p.endsWith('=Succeeded')),
      `first failed: ${why}`,
    ).toEqual([]);
    for (const p of done) {
      const i = (p.metadata?.name ?? '').replace('burst-', '');
      expect(await podLogs(ns, p.metadata?.name ?? '')).toContain(`burst pod ${i} done`);
    }
  }, 420_000);

  it('deleting every pod leaves nothing behind (no container, no Slurm job)', async () => {
    const ctx = get();
    const uids = await deleteAllPods(ctx);
    expect(uids.length).toBeGreaterThan(BURST_SIZE);
    await eventually(
      'no container or job left for the deleted pods',
      async () => ((await leftovers(ctx.chain, uids)).length === 0 ? true : undefined),
      120_000,
      1000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await leftovers(ctx.chain, uids)).join(', ')}`);
    });
  }, 300_000);
}

/** waitPhase, and on failure the lines of the chain's logs that name the pod: why it is stuck. */
async function phaseOf(ctx: ChainContext, name: string, phases: string[]): Promise<V1Pod> {
  try {
    return await waitPhase(ctx.ns, name, phases, PHASE_TIMEOUT_MS);
  } catch (err) {
    const lines = ['plugin', 'relay', 'vk'].map(
      (p) => `--- ${p}\n${ctx.chain.group.linesAbout(p, `"${name}"`, 8) || ctx.chain.group.tail(p, 5)}`,
    );
    throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
  }
}

/** Deletes every pod of the chain's namespace and waits until the API has none; returns their UIDs. */
async function deleteAllPods(ctx: ChainContext): Promise<string[]> {
  const pods: V1Pod[] = await listPods(ctx.ns);
  const uids = pods.map((p) => p.metadata?.uid ?? '').filter(Boolean);
  ctx.uids.push(...uids);
  await kubectl(['delete', 'pods', '--all', '-n', ctx.ns, '--wait=false']);
  await eventually(
    `pods of ${ctx.ns} gone`,
    async () => ((await listPods(ctx.ns)).length === 0 ? true : undefined),
    180_000,
    1000,
  );
  return ctx.uids;
}
