import { RateLimiter } from '../kube/rate-limiter';

/** The review budget is spent: answer 429 with this Retry-After instead of queueing the caller. */
export class ReviewBudgetExhausted extends Error {
  override readonly name = 'ReviewBudgetExhausted';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface ReviewBudgetOptions {
  /** Reviews per second (0 = no rate limit) and the burst above it. */
  qps: number;
  burst: number;
  /** Reviews waiting for the API server at once (0 = no bound). */
  maxInFlight: number;
  now?: () => number;
}

/**
 * The budget of TokenReviews and SubjectAccessReviews that callers of the kubelet API may make
 * the node controller spend. Anyone who can reach the port can trigger them, so they get a small
 * bucket of their own and a bound on concurrency, and never wait: a review over budget fails at
 * once, so a flood of bad tokens cannot queue up work in front of the Lease or pod status.
 */
export class ReviewBudget {
  private readonly bucket: RateLimiter;
  private inFlight = 0;

  constructor(private readonly options: ReviewBudgetOptions) {
    this.bucket = new RateLimiter(options.qps, options.burst, options.now);
  }

  /** Runs `review` within the budget, or throws ReviewBudgetExhausted without waiting. */
  async run<T>(review: () => Promise<T>): Promise<T> {
    const max = this.options.maxInFlight;
    if (max > 0 && this.inFlight >= max) {
      throw new ReviewBudgetExhausted(`${this.inFlight} reviews already in flight (limit ${max})`, 1);
    }
    const waitMs = this.bucket.tryAcquire();
    if (waitMs > 0) {
      throw new ReviewBudgetExhausted(`review rate limit reached (${this.options.qps}/s, burst ${this.options.burst})`, Math.max(1, Math.ceil(waitMs / 1000)));
    }
    this.inFlight++;
    try {
      return await review();
    } finally {
      this.inFlight--;
    }
  }

  get active(): number {
    return this.inFlight;
  }
}
