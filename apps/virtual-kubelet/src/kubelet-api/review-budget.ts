import type { Logger } from '@interlink/logging';
import { RateLimiter } from '../kube/rate-limiter';

/** Refusals are logged at most this often, with how many there were since the last line. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

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
  /** Where refusals are reported (one warning a minute at most); `what` names the review kind. */
  log?: Logger;
  what?: string;
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
  private refusedSinceLog = 0;
  private loggedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ReviewBudgetOptions) {
    this.bucket = new RateLimiter(options.qps, options.burst, options.now);
  }

  /** Starts `review` within the budget, or returns undefined (see `lastRefusal`) without starting it. */
  start<T>(review: () => Promise<T>): Promise<T> | undefined {
    const max = this.options.maxInFlight;
    if (max > 0 && this.inFlight >= max) {
      return this.refuse(`${this.inFlight} reviews already in flight (limit ${max})`, 1);
    }
    const waitMs = this.bucket.tryAcquire();
    if (waitMs > 0) {
      return this.refuse(`review rate limit reached (${this.options.qps}/s, burst ${this.options.burst})`, Math.max(1, Math.ceil(waitMs / 1000)));
    }
    this.inFlight++;
    return review().finally(() => this.inFlight--);
  }

  private refuse(message: string, retryAfterSeconds: number): undefined {
    this.refusal = { message, retryAfterSeconds };
    this.refusedSinceLog++;
    const now = (this.options.now ?? Date.now)();
    if (this.options.log && now - this.loggedAt >= REFUSAL_LOG_INTERVAL_MS) {
      this.options.log.warn('kubelet API review budget spent: callers answered 429 with Retry-After', { review: this.options.what ?? 'review', refused: this.refusedSinceLog, reason: message });
      this.loggedAt = now;
      this.refusedSinceLog = 0;
    }
    return undefined;
  }

  /** Why the last review was refused. */
  get lastRefusal(): ReviewRefusal {
    return this.refusal ?? { message: 'review budget spent', retryAfterSeconds: 1 };
  }

  get active(): number {
    return this.inFlight;
  }
}
