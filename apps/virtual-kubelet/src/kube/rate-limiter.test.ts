import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiPriorityOf } from './api-priority';
import { RateLimiter, type ApiPriority } from './rate-limiter';

describe('RateLimiter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('serves waiters by priority, then in arrival order', async () => {
    const limiter = new RateLimiter(10, 1);
    await limiter.acquire(); // the burst is spent
    const served: string[] = [];
    const wait = (name: string, p: ApiPriority) => limiter.acquire(p).then(() => void served.push(name));
    const all = [
      wait('review-1', 'review'),
      wait('default-1', 'default'),
      wait('status-1', 'status'),
      wait('review-2', 'review'),
      wait('heartbeat-1', 'heartbeat'),
      wait('status-2', 'status'),
    ];
    expect(limiter.queued()).toEqual({ heartbeat: 1, status: 2, default: 1, review: 2 });
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(served).toEqual(['heartbeat-1', 'status-1', 'status-2', 'default-1', 'review-1', 'review-2']);
  });

  it('a heartbeat arriving behind a queue of reviews is the next one served', async () => {
    const limiter = new RateLimiter(10, 1);
    await limiter.acquire();
    const served: string[] = [];
    const reviews = Array.from({ length: 50 }, (_, i) => limiter.acquire('review').then(() => void served.push(`review-${i}`)));
    await vi.advanceTimersByTimeAsync(100); // one review served
    const lease = limiter.acquire('heartbeat').then(() => void served.push('lease'));
    await vi.advanceTimersByTimeAsync(100);
    await lease;
    expect(served).toEqual(['review-0', 'lease']);
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(reviews);
  });

  it('keeps the rate: qps tokens per second after the burst', async () => {
    const limiter = new RateLimiter(5, 2);
    let served = 0;
    const all = Array.from({ length: 12 }, () => limiter.acquire().then(() => void served++));
    await vi.advanceTimersByTimeAsync(0);
    expect(served).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(served).toBe(7);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(served).toBe(12);
    await Promise.all(all);
  });

  it('tryAcquire takes a token without waiting, or tells how long until one is free', () => {
    const limiter = new RateLimiter(2, 2);
    expect(limiter.tryAcquire()).toBe(0);
    expect(limiter.tryAcquire()).toBe(0);
    expect(limiter.tryAcquire()).toBe(500);
    vi.advanceTimersByTime(500);
    expect(limiter.tryAcquire()).toBe(0);
  });

  it('qps 0 means no limit', async () => {
    const limiter = new RateLimiter(0, 1);
    await Promise.all(Array.from({ length: 100 }, () => limiter.acquire()));
    expect(limiter.tryAcquire()).toBe(0);
  });
});

describe('apiPriorityOf', () => {
  it.each([
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk-1', 'heartbeat'],
    ['POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'heartbeat'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk-1', 'heartbeat'],
    ['PATCH', '/api/v1/nodes/vk-1/status', 'heartbeat'],
    ['GET', '/api/v1/nodes/vk-1/status', 'default'],
    ['PUT', '/api/v1/namespaces/ns/pods/p/status', 'status'],
    ['PATCH', '/api/v1/namespaces/ns/pods/p/status?fieldManager=x', 'status'],
    ['GET', '/api/v1/namespaces/ns/pods/p', 'default'],
    ['PATCH', '/api/v1/nodes/vk-1', 'default'],
    ['POST', '/apis/authentication.k8s.io/v1/tokenreviews', 'default'],
  ])('%s %s → %s', (method, path, priority) => {
    expect(apiPriorityOf(method, path)).toBe(priority);
  });
});
