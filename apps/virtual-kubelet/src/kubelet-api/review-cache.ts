import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A review's answer and how long it may be reused. */
export interface Reviewed<V> {
  value: V;
  ttlMs: number;
}

/** Starts a review, or returns undefined when none may be made now (the review budget is spent). */
export type StartReview<V> = () => Promise<Reviewed<V>> | undefined;

export interface ReviewCacheOptions {
  /** Entries kept at most; the least recently used go first. */
  max: number;
  now?: () => number;
}

/**
 * Review answers, positive and negative, each for its own TTL, as the kubelet's webhook
 * authenticator and authorizer cache them. Keys are SHA-256 digests (a bearer token is never
 * kept), the size is bounded, and concurrent lookups of the same key share one review.
 * Failed reviews (API errors) are not cached. A miss that may not be reviewed costs no
 * allocation beyond the digest: floods of made-up tokens are answered from here.
 */
export class ReviewCache<V extends object> {
  private readonly cache: LRUCache<string, V>;
  /** Reviews under way by key; bounded by the review budget's in-flight limit. */
  private readonly pending = new Map<string, Promise<V>>();

  constructor(options: ReviewCacheOptions) {
    const now = options.now ?? (() => Date.now());
    this.cache = new LRUCache<string, V>({ max: options.max, perf: { now }, ttlResolution: 0 });
  }

  /**
   * The cached answer for `secret`, else the one of the review under way for it, else the one
   * `start` gives; undefined when there is none and `start` may not review now.
   */
  get(secret: string, start: StartReview<V>): V | Promise<V> | undefined {
    const key = digest(secret);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const under = this.pending.get(key);
    if (under) return under;
    const started = start();
    if (!started) return undefined;
    const answer = started
      .then((reviewed) => {
        this.cache.set(key, reviewed.value, { ttl: Math.max(1, reviewed.ttlMs) });
        return reviewed.value;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, answer);
    return answer;
  }

  get size(): number {
    return this.cache.size;
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
