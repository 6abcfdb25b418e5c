import { RateLimiter } from '../kube/rate-limiter';

/** Why no review may be made now, and when to come back (Retry-After). */
export interface ReviewRefusal {
  message: string;
  retryAfterSeconds: number;
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
 * bucket of their own and a bound on concurrency, and never wait: a review over budget is
 * refused at once (no exception, no allocation: a flood is answered cheaply), so bad tokens
 * cannot queue up work in front of the Lease or pod status.
 */
export class ReviewBudget {
  private readonly bucket: RateLimiter;
  private inFlight = 0;
  private refusal: ReviewRefusal | undefined;

  constructor(private readonly options: ReviewBudgetOptions) {
    this.bucket = new RateLimiter(options.qps, options.burst, options.now);
  }

  /** Starts `review` within the budget, or returns undefined (see `lastRefusal`) without starting it. */
  start<T>(review: () => Promise<T>): Promise<T> | undefined {
    const max = this.options.maxInFlight;
    if (max > 0 && this.inFlight >= max) {
      this.refusal = { message: `${this.inFlight} reviews already in flight (limit ${max})`, retryAfterSeconds: 1 };
      return undefined;
    }
    const waitMs = this.bucket.tryAcquire();
    if (waitMs > 0) {
      this.refusal = { message: `review rate limit reached (${this.options.qps}/s, burst ${this.options.burst})`, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      return undefined;
    }
    this.inFlight++;
    return review().finally(() => this.inFlight--);
  }

  /** Why the last review was refused. */
  get lastRefusal(): ReviewRefusal {
    return this.refusal ?? { message: 'review budget spent', retryAfterSeconds: 1 };
  }

  get active(): number {
    return this.inFlight;
  }
}
