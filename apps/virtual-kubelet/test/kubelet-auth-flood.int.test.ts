import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@interlink/testbench';
import type { KubeClient } from '../src/kube/kube-client';
import { benchKube, cleanupNode, kubectl, startVk, suffix, type StartedVk } from './support/kube-harness';
import { kubeletGet, metric } from './support/kubelet-client';
import { TestRelay } from './support/test-relay';

// A virtual kubelet with a small review budget and short cache TTLs against the bench API
// server: a flood of made-up bearer tokens costs at most the budget in TokenReviews, is answered
// 401 or 429 + Retry-After, and leaves real tokens working; cached answers expire.
const REVIEW_QPS = 5;
const REVIEW_BURST = 10;
const id = suffix();
const ns = 'default';
const sa = `vk-flood-${id}`;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk | undefined;

beforeAll(async () => {
  const bench = await benchKube();
  admin = bench.admin;
  relay = new TestRelay();
  await relay.start();
  started = await startVk({
    kc: bench.kc,
    nodeName: `vk-flood-${id}`,
    relayUrl: relay.url,
    relayPort: relay.portString,
    level: 'warn',
    cfg: {
      KubeletReviewQPS: REVIEW_QPS,
      KubeletReviewBurst: REVIEW_BURST,
      KubeletReviewMaxInFlight: 4,
      KubeletAuthentication: { WebhookCacheTTLSeconds: 3 },
      KubeletAuthorization: { WebhookCacheUnauthorizedTTLSeconds: 10 },
    },
  });
  await kubectl(['create', 'serviceaccount', '-n', ns, sa]);
});

afterAll(async () => {
  await kubectl(['delete', 'clusterrolebinding', sa, '--ignore-not-found']).catch(() => undefined);
  await kubectl(['delete', 'clusterrole', sa, '--ignore-not-found']).catch(() => undefined);
  await kubectl(['delete', 'serviceaccount', '-n', ns, sa, '--ignore-not-found']).catch(() => undefined);
  try {
    await started?.vk.stop();
  } finally {
    if (started) await cleanupNode(admin, started.nodeName);
  }
  await relay?.stop();
  admin?.close();
});

const port = () => started!.vk.kubeletApi.port;
const tokenReviews = async () =>
  metric(await started!.vk.metrics.registry.metrics(), 'interlink_vk_api_requests_total', { verb: 'create', resource: 'tokenreviews' });

const accessReviews = async () =>
  metric(await started!.vk.metrics.registry.metrics(), 'interlink_vk_api_requests_total', { verb: 'create', resource: 'subjectaccessreviews' });

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

/** `count` GETs of /pods, each with its own random bearer token, `concurrency` at a time over keep-alive connections. */
async function flood(count: number, concurrency: number): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
  const answers: Answer[] = [];
  let next = 0;
  const one = () =>
    new Promise<Answer>((resolve, reject) => {
      const headers = { Authorization: `Bearer ${randomBytes(24).toString('base64url')}` };
      const req = request({ host: '127.0.0.1', port: port(), path: '/pods', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) answers.push(await one());
    }),
  );
  agent.destroy();
  return answers;
}

describe('kubelet API under a flood of bad bearer tokens', () => {
  it('answers every request 401 or 429 with Retry-After, making at most the review budget in TokenReviews', async () => {
    const before = await tokenReviews();
    const t0 = Date.now();
    const answers = await flood(2_000, 100);
    const seconds = (Date.now() - t0) / 1000;
    const made = (await tokenReviews()) - before;
    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    expect(answers).toHaveLength(2_000);
    expect([...byStatus.keys()].sort()).toEqual([401, 429]);
    expect(answers.filter((a) => a.status === 429).every((a) => Number(a.retryAfter) >= 1)).toBe(true);
    // The bucket: its burst plus qps for every second the flood lasted (and one in flight at the edge).
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(REVIEW_BURST + Math.ceil(seconds * REVIEW_QPS) + 1);
    expect(byStatus.get(401)).toBe(made);
  }, 120_000);

  it('still authenticates a real token (after Retry-After) and authorizes it once RBAC allows, the cached denial expiring', async () => {
    const token = (await kubectl(['create', 'token', '-n', ns, sa])).trim();
    // Authenticated (a TokenReview within the refilled budget), then denied by SubjectAccessReview.
    const denied = await waitFor('the token reviewed', async () => {
      const r = await kubeletGet(port(), '/pods', { token });
      return r.status === 429 ? undefined : r;
    }, { timeoutMs: 20_000, intervalMs: 1_000 });
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(`user "system:serviceaccount:${ns}:${sa}" cannot get nodes/proxy`);

    await kubectl(['create', 'clusterrole', sa, '--verb=get', '--resource=nodes/proxy']);
    await kubectl(['create', 'clusterrolebinding', sa, `--clusterrole=${sa}`, `--serviceaccount=${ns}:${sa}`]);
    // RBAC now allows it, but the denial is still cached (unauthorized TTL 10 s here): no new review.
    const reviewsBefore = await accessReviews();
    const cached = await kubeletGet(port(), '/pods', { token });
    expect(cached.status).toBe(403);
    expect(await accessReviews()).toBe(reviewsBefore);
    // ...until it expires.
    const allowed = await waitFor('the cached denial to expire', async () => {
      const r = await kubeletGet(port(), '/pods', { token });
      return r.status === 200 ? r : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    expect(JSON.parse(allowed.body)).toMatchObject({ kind: 'PodList' });
  }, 60_000);

  it('reuses a token review answer for the cache TTL, then reviews again', async () => {
    const bad = `made-up-${id}`;
    const before = await tokenReviews();
    expect((await kubeletGet(port(), '/pods', { token: bad })).status).toBe(401);
    expect((await kubeletGet(port(), '/pods', { token: bad })).status).toBe(401);
    expect((await tokenReviews()) - before).toBe(1);
    await new Promise((r) => setTimeout(r, 3_500));
    expect((await kubeletGet(port(), '/pods', { token: bad })).status).toBe(401);
    expect((await tokenReviews()) - before).toBe(2);
  }, 30_000);
});
