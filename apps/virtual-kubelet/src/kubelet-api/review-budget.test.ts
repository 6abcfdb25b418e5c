import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '@interlink/logging';
import { ReviewBudget } from './review-budget';

describe('ReviewBudget', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refuses without starting the review once the bucket is empty, and says when to come back', async () => {
    const budget = new ReviewBudget({ qps: 2, burst: 1, maxInFlight: 0 });
    const review = vi.fn(async () => 'done');
    expect(await budget.start(review)).toBe('done');
    expect(budget.start(review)).toBeUndefined();
    expect(review).toHaveBeenCalledOnce();
    expect(budget.lastRefusal).toMatchObject({ retryAfterSeconds: 1 });
    expect(budget.lastRefusal.message).toContain('rate limit');
    vi.advanceTimersByTime(500);
    expect(await budget.start(review)).toBe('done');
  });

  it('warns about refusals at most once a minute, with their count', () => {
    const warn = vi.fn();
    const log = { warn } as unknown as Logger;
    const budget = new ReviewBudget({ qps: 1, burst: 1, maxInFlight: 0, log, what: 'TokenReview' });
    void budget.start(async () => undefined);
    for (let i = 0; i < 100; i++) budget.start(async () => undefined);
    expect(warn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(59_000);
    for (let i = 0; i < 50; i++) budget.start(async () => undefined);
    expect(warn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    budget.start(async () => undefined); // a token refilled: taken, no refusal
    budget.start(async () => undefined);
    expect(warn).toHaveBeenCalledTimes(2);
    // Since the first warning: 99 refused, 49 (the first of the 50 had a refilled token), then 1.
    expect(warn.mock.calls[1]?.[1]).toMatchObject({ review: 'TokenReview', refused: 149 });
  });
});
