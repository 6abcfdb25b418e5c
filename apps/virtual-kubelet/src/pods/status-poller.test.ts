import { afterEach, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { buildRetrievedPodData } from '@interlink/api';
import { createLogger } from '@interlink/logging';
import { RelayProvider } from '@interlink/relay-client';
import { TestRelay } from '../../test/support/test-relay';
import { isLost, LOST_AFTER_POLLS, StatusPoller } from './status-poller';
import { newTrackedPod, type TrackedPod } from './tracked-pod';

const log = createLogger({ service: 'test', level: 'error' });
let relay: TestRelay;
let provider: RelayProvider;
let poller: StatusPoller | undefined;

afterEach(async () => {
  poller?.stop();
  provider?.close();
  await relay?.stop();
});

function pod(i: number): V1Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'ns', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never', nodeName: 'vk' },
    status: { phase: 'Pending' },
  };
}

async function setup(n: number, opts: { intervalMs?: number; fastMs?: number; lostGraceMs?: number; waiting?: boolean } = {}) {
  relay = new TestRelay(opts.waiting ? { initialState: 'waiting' } : {});
  await relay.start();
  provider = new RelayProvider({ interlinkUrl: relay.url, interlinkPort: relay.portString });
  const tracked = new Map<string, TrackedPod>();
  const changed: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = pod(i);
    await relay.backend.create(buildRetrievedPodData({ pod: p, configmaps: [], secrets: [], projectedvolumesmaps: [], jobscriptURL: '' }), { sessionId: 's', signal: new AbortController().signal });
    const t = newTrackedPod(p, { kind: 'submitted' });
    tracked.set(t.uid, t);
  }
  poller = new StatusPoller(provider, () => tracked.values(), (t) => changed.push(t.uid), { intervalMs: opts.intervalMs ?? 300, fastMs: opts.fastMs ?? 50, lostGraceMs: opts.lostGraceMs ?? 60_000 }, log);
  return { tracked, changed, poller };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StatusPoller', () => {
  it('asks for every steady pod in one /status call per tick', async () => {
    const { tracked, changed, poller } = await setup(1200, { intervalMs: 400 });
    for (const t of tracked.values()) poller.track(t, true);
    poller.start();
    await expect.poll(() => changed.length, { timeout: 5000 }).toBe(1200);
    await sleep(1300);
    poller.stop();
    // Every tick carries all 1,200 pods: one batch, split into 500-pod requests by the client.
    // A tick may still be in flight when the poller stops: wait for its last chunk.
    expect(poller.calls).toBeGreaterThanOrEqual(3);
    await expect.poll(() => relay.calls.status, { timeout: 5000 }).toBe(3 * poller.calls);
    const sizes = relay.statusBatchSizes.slice().sort((a, b) => a - b);
    expect(sizes.filter((n) => n === 200)).toHaveLength(poller.calls);
    expect(sizes.filter((n) => n === 500)).toHaveLength(2 * poller.calls);
    expect([...tracked.values()].every((t) => t.remote?.containers[0]?.state?.running)).toBe(true);
  });

  it('polls a fresh pod fast, then backs off to the interval', async () => {
    const { tracked, poller } = await setup(1, { intervalMs: 1000, fastMs: 50 });
    const [t] = [...tracked.values()];
    poller.start();
    poller.track(t!);
    await sleep(900);
    // 50, 100, 200, 400 ms steps: about four polls before the first steady tick.
    expect(relay.calls.status).toBeGreaterThanOrEqual(3);
    expect(relay.calls.status).toBeLessThanOrEqual(6);
    const settled = relay.calls.status;
    await sleep(2100);
    expect(relay.calls.status - settled).toBeGreaterThanOrEqual(1);
    expect(relay.calls.status - settled).toBeLessThanOrEqual(3);
  });

  it('keeps polling a just-created pod fast until its containers start', async () => {
    const { tracked, poller } = await setup(1, { intervalMs: 2000, fastMs: 50, waiting: true });
    const [t] = [...tracked.values()];
    t!.submittedAt = Date.now();
    poller.start();
    poller.track(t!);
    await sleep(1000);
    const whileWaiting = relay.calls.status;
    expect(whileWaiting).toBeGreaterThanOrEqual(8);
    relay.backend.setContainerState(t!.uid, 'c', { running: { startedAt: new Date() } });
    await expect.poll(() => t!.remote?.containers[0]?.state?.running, { timeout: 1000 }).toBeTruthy();
    const atStart = relay.calls.status;
    await sleep(1000);
    // Started: back-off (100, 200, 400 ms...) instead of 50 ms polls.
    expect(relay.calls.status - atStart).toBeLessThanOrEqual(5);
  });

  it('reports only changes', async () => {
    const { tracked, changed, poller } = await setup(2, { intervalMs: 200 });
    for (const t of tracked.values()) poller.track(t, true);
    poller.start();
    await expect.poll(() => changed.length).toBe(2);
    await sleep(500);
    expect(changed.length).toBe(2);
    const [first] = [...tracked.values()];
    relay.backend.setContainerState(first!.uid, 'c', { terminated: { exitCode: 3, reason: 'Error' } });
    await expect.poll(() => changed.length).toBe(3);
    expect(first!.remote?.containers[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it('keeps pods as they are while the relay is down, and marks vanished jobs lost after the grace', async () => {
    const { tracked, changed, poller } = await setup(2, { intervalMs: 100, lostGraceMs: 400 });
    for (const t of tracked.values()) poller.track(t, true);
    poller.start();
    await expect.poll(() => changed.length).toBe(2);
    await relay.stop();
    await sleep(700);
    expect([...tracked.values()].every((t) => t.local.kind === 'submitted')).toBe(true);
    await relay.start();
    const [gone, kept] = [...tracked.values()];
    await relay.backend.delete(gone!.pod, { sessionId: 's', signal: new AbortController().signal });
    await expect.poll(() => gone!.local.kind, { timeout: 3000 }).toBe('lost');
    expect(kept!.local.kind).toBe('submitted');
    expect(gone!.local.kind === 'lost' && gone!.local.message).toContain('has not reported this pod');
  });

  it('counts a pod as lost only after 3 answers without it AND the grace period', () => {
    const t = newTrackedPod(pod(0), { kind: 'submitted' });
    expect(LOST_AFTER_POLLS).toBe(3);
    expect(isLost(t, 100_000, 30_000)).toBe(false);
    t.missingSince = 0;
    t.missingPolls = 2;
    // A cache that skips a few answers (upstream Slurm: 10 s) is not a loss, however long.
    expect(isLost(t, 100_000, 30_000)).toBe(false);
    t.missingPolls = 3;
    expect(isLost(t, 29_999, 30_000)).toBe(false);
    expect(isLost(t, 30_000, 30_000)).toBe(true);
  });
});
