import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient, KubeRequest } from '../kube/kube-client';
import { KubeletAuthenticator, KubeletAuthorizer, refusalOf, type UserInfo } from './kubelet-auth';
import { ReviewBudget } from './review-budget';

const GOOD = 'good-token';

/** An API server stand-in answering TokenReviews and SubjectAccessReviews, counting them; `hold` delays answers. */
function reviewer() {
  const calls: KubeRequest[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const allowed = new Set<string>(['alice']);
  const kube = {
    request: async (req: KubeRequest) => {
      calls.push(req);
      if (gate) await gate;
      const spec = (req.body as { spec: { token?: string; user?: string } }).spec;
      if (req.path.endsWith('/tokenreviews')) {
        return { status: spec.token === GOOD ? { authenticated: true, user: { username: 'alice', groups: ['devs'] } } : { authenticated: false } };
      }
      return { status: { allowed: allowed.has(spec.user ?? '') } };
    },
  } as unknown as KubeClient;
  return {
    kube,
    calls,
    allowed,
    hold: () => {
      gate = new Promise((r) => (release = r));
    },
    release: () => {
      gate = undefined;
      release();
    },
  };
}

const socketStub = () => ({ pause: () => undefined, resume: () => undefined, once: () => undefined, destroyed: false });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, socket: socketStub() }) as unknown as IncomingMessage;

describe('KubeletAuthenticator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('caches valid and invalid tokens for the webhook cache TTL (kubelet default 2 min for both)', async () => {
    const api = reviewer();
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true });
    expect(await authn.authenticate(bearer(GOOD))).toMatchObject({ ok: true, via: 'token', user: { username: 'alice' } });
    expect(await authn.authenticate(bearer('bad'))).toMatchObject({ ok: false, status: 401 });
    vi.advanceTimersByTime(119_000);
    await authn.authenticate(bearer(GOOD));
    await authn.authenticate(bearer('bad'));
    expect(api.calls).toHaveLength(2);
    vi.advanceTimersByTime(2_000);
    await authn.authenticate(bearer(GOOD));
    expect(await authn.authenticate(bearer('bad'))).toMatchObject({ ok: false, status: 401 });
    expect(api.calls).toHaveLength(4);
  });

  it('honours a configured TTL', async () => {
    const api = reviewer();
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, cacheTtlMs: 5_000 });
    await authn.authenticate(bearer('bad'));
    vi.advanceTimersByTime(4_999);
    await authn.authenticate(bearer('bad'));
    expect(api.calls).toHaveLength(1);
    vi.advanceTimersByTime(2);
    await authn.authenticate(bearer('bad'));
    expect(api.calls).toHaveLength(2);
  });

  it('coalesces concurrent reviews of the same token into one call', async () => {
    const api = reviewer();
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true });
    api.hold();
    const pending = Array.from({ length: 50 }, () => authn.authenticate(bearer('same-bad-token')));
    await vi.advanceTimersByTimeAsync(0);
    api.release();
    const results = await Promise.all(pending);
    expect(results.every((r) => !r.ok && r.status === 401)).toBe(true);
    expect(api.calls).toHaveLength(1);
  });

  it('over the review budget: 429 with Retry-After at once, no review made; a known bad token still gets 401', async () => {
    const api = reviewer();
    const budget = new ReviewBudget({ qps: 1, burst: 3, maxInFlight: 100 });
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, budget });
    const first = await Promise.all(['t0', 't1', 't2', 't3', 't4'].map((t) => authn.authenticate(bearer(t))));
    expect(first.map((r) => (r.ok ? 200 : r.status))).toEqual([401, 401, 401, 429, 429]);
    expect(api.calls).toHaveLength(3);
    const busy = first[4];
    expect(busy && !busy.ok && busy.status === 429 && busy.retryAfterSeconds).toBe(1);
    expect(refusalOf(busy as Exclude<typeof busy, { ok: true } | undefined>)).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
    expect(await authn.authenticate(bearer('t0'))).toMatchObject({ ok: false, status: 401 });
    expect(api.calls).toHaveLength(3);
    vi.advanceTimersByTime(1_000);
    expect(await authn.authenticate(bearer(GOOD))).toMatchObject({ ok: true });
  });

  it('does not read the next request of a caller told to retry later before Retry-After', async () => {
    const api = reviewer();
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, budget: new ReviewBudget({ qps: 1, burst: 1, maxInFlight: 5 }) });
    const sockets = [0, 1].map(() => ({ pause: vi.fn(), resume: vi.fn(), once: vi.fn(), destroyed: false }));
    const request = (i: number) => ({ headers: { authorization: `Bearer t${i}` }, socket: sockets[i] }) as unknown as IncomingMessage;
    expect(await authn.authenticate(request(0))).toMatchObject({ status: 401 });
    expect(await authn.authenticate(request(1))).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(sockets[0]?.pause).not.toHaveBeenCalled();
    expect(sockets[1]?.pause).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1_000);
    expect(sockets[1]?.resume).toHaveBeenCalledOnce();
  });

  it('bounds reviews in flight: callers beyond the bound get 429 while the API server is slow', async () => {
    const api = reviewer();
    const budget = new ReviewBudget({ qps: 0, burst: 1, maxInFlight: 2 });
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, budget });
    api.hold();
    const pending = Array.from({ length: 10 }, (_, i) => authn.authenticate(bearer(`flood-${i}`)));
    await vi.advanceTimersByTimeAsync(0);
    expect(budget.active).toBe(2);
    api.release();
    const statuses = (await Promise.all(pending)).map((r) => (r.ok ? 200 : r.status));
    expect(statuses.filter((s) => s === 401)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    expect(api.calls).toHaveLength(2);
    expect(budget.active).toBe(0);
  });

  it('bounds the cache: the least recently used token is forgotten', async () => {
    const api = reviewer();
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, cacheSize: 3, budget: new ReviewBudget({ qps: 0, burst: 1, maxInFlight: 0 }) });
    for (const t of ['a', 'b', 'c', 'd']) await authn.authenticate(bearer(t));
    await authn.authenticate(bearer('d'));
    expect(api.calls).toHaveLength(4);
    await authn.authenticate(bearer('a'));
    expect(api.calls).toHaveLength(5);
  });

  it('does not cache a failed review: the next request reviews again', async () => {
    let fail = true;
    const calls: KubeRequest[] = [];
    const kube = {
      request: async (req: KubeRequest) => {
        calls.push(req);
        if (fail) throw new Error('API server unreachable');
        return { status: { authenticated: false } };
      },
    } as unknown as KubeClient;
    const authn = new KubeletAuthenticator(kube, { anonymous: false, webhook: true });
    await expect(authn.authenticate(bearer('t'))).rejects.toThrow('API server unreachable');
    fail = false;
    expect(await authn.authenticate(bearer('t'))).toMatchObject({ ok: false, status: 401 });
    expect(calls).toHaveLength(2);
  });

  it('reviews go to the API client with the lowest priority', async () => {
    const api = reviewer();
    await new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true }).authenticate(bearer('x'));
    expect(api.calls[0]?.priority).toBe('review');
  });
});

describe('KubeletAuthorizer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const alice: UserInfo = { username: 'alice', groups: ['devs'] };
  const bob: UserInfo = { username: 'bob', groups: ['devs'] };

  it('caches allowed answers 5 min and denied ones 30 s by default', async () => {
    const api = reviewer();
    const authz = new KubeletAuthorizer(api.kube, 'vk-1', false);
    expect(await authz.authorize(alice, 'GET', '/containerLogs/a/b/c')).toMatchObject({ allowed: true });
    expect(await authz.authorize(bob, 'GET', '/containerLogs/a/b/c')).toMatchObject({ allowed: false });
    vi.advanceTimersByTime(29_000);
    await authz.authorize(bob, 'GET', '/pods');
    expect(api.calls).toHaveLength(2);
    vi.advanceTimersByTime(2_000);
    api.allowed.add('bob');
    expect(await authz.authorize(bob, 'GET', '/pods')).toMatchObject({ allowed: true });
    expect(api.calls).toHaveLength(3);
    vi.advanceTimersByTime(268_000); // 299 s after alice's review
    await authz.authorize(alice, 'GET', '/pods');
    expect(api.calls).toHaveLength(3);
    vi.advanceTimersByTime(2_000);
    await authz.authorize(alice, 'GET', '/pods');
    expect(api.calls).toHaveLength(4);
  });

  it('reviews each subresource and verb separately', async () => {
    const api = reviewer();
    const authz = new KubeletAuthorizer(api.kube, 'vk-1', false, { authorizedTtlMs: 1_000 });
    await authz.authorize(alice, 'GET', '/pods');
    await authz.authorize(alice, 'GET', '/metrics');
    await authz.authorize(alice, 'POST', '/pods');
    await authz.authorize(alice, 'GET', '/runningpods/');
    expect(api.calls).toHaveLength(3);
    vi.advanceTimersByTime(1_001);
    await authz.authorize(alice, 'GET', '/pods');
    expect(api.calls).toHaveLength(4);
  });

  it('has a budget apart from the authenticator: a token flood leaves authorization working', async () => {
    const api = reviewer();
    const authnBudget = new ReviewBudget({ qps: 1, burst: 1, maxInFlight: 1 });
    const authn = new KubeletAuthenticator(api.kube, { anonymous: false, webhook: true, budget: authnBudget });
    const authz = new KubeletAuthorizer(api.kube, 'vk-1', false, { budget: new ReviewBudget({ qps: 1, burst: 1, maxInFlight: 1 }) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => authn.authenticate(bearer(`f${i}`))));
    expect(await authz.authorize(alice, 'GET', '/pods')).toMatchObject({ allowed: true });
  });

  it('over its budget: 429 with Retry-After, not a denial that would be cached', async () => {
    const api = reviewer();
    const authz = new KubeletAuthorizer(api.kube, 'vk-1', false, { budget: new ReviewBudget({ qps: 1, burst: 1, maxInFlight: 5 }) });
    await authz.authorize(alice, 'GET', '/pods');
    const busy = await authz.authorize(alice, 'GET', '/metrics');
    expect(busy).toMatchObject({ allowed: false, status: 429, retryAfterSeconds: 1 });
    expect(refusalOf(busy)).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
    vi.advanceTimersByTime(1_000);
    expect(await authz.authorize(alice, 'GET', '/metrics')).toMatchObject({ allowed: true });
  });
});
