/**
 * Who goes first when the API budget is short. The node's heartbeat (Lease, Node status) must
 * never slip behind bulk work: a late Lease makes the node NotReady and its pods get evicted.
 * Pod status writes come next (users wait on them), then everything else, and last the
 * TokenReviews/SubjectAccessReviews that any caller of the kubelet API can trigger.
 */
export const API_PRIORITIES = ['heartbeat', 'status', 'default', 'review'] as const;
export type ApiPriority = (typeof API_PRIORITIES)[number];

/**
 * Token bucket like client-go's (`qps` tokens per second, bursts up to `burst`), whose waiters
 * are served by priority, then in arrival order. It knows nothing of HTTP: anything that makes
 * API calls (our KubeClient, client-node's typed APIs) awaits `acquire` before each call.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly queues: Array<Array<() => void>> = API_PRIORITIES.map(() => []);
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when a token is taken; waiters of a higher priority are served first. */
  acquire(priority: ApiPriority = 'default'): Promise<void> {
    if (this.qps <= 0) return Promise.resolve();
    this.refill();
    if (this.waiting === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queues[API_PRIORITIES.indexOf(priority)]?.push(resolve);
      this.waiting++;
      this.schedule();
    });
  }

  /**
   * Takes a token without waiting: 0 when taken, else the milliseconds until one will be free
   * (for a Retry-After). Never jumps ahead of waiters.
   */
  tryAcquire(): number {
    if (this.qps <= 0) return 0;
    this.refill();
    if (this.waiting === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((this.waiting + 1 - this.tokens) / this.qps) * 1000));
  }

  /** Waiters per priority, for tests and metrics. */
  queued(): Record<ApiPriority, number> {
    return Object.fromEntries(API_PRIORITIES.map((p, i) => [p, this.queues[i]?.length ?? 0])) as Record<ApiPriority, number>;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private next(): (() => void) | undefined {
    for (const queue of this.queues) {
      const waiter = queue.shift();
      if (waiter) {
        this.waiting--;
        return waiter;
      }
    }
    return undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiting > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.next()?.();
      }
      if (this.waiting > 0) this.schedule();
    }, wait);
    this.timer.unref?.();
  }
}
