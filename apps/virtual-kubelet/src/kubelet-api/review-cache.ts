import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A review's answer and how long it may be reused. */
export interface Reviewed<V> {
  value: V;
  ttlMs: number;
}

type Review<V> = () => Promise<Reviewed<V>>;

export interface ReviewCacheOptions {
  /** Entries kept at most; the least recently used go first. */
  max: number;
  now?: () => number;
}

/**
 * Review answers, positive and negative, each for its own TTL, as the kubelet's webhook
 * authenticator and authorizer cache them. Keys are SHA-256 digests (a bearer token is never
 * kept), the size is bounded, and concurrent lookups of the same key share one review.
 * Failed reviews (API errors, budget spent) are not cached.
 */
export class ReviewCache<V extends object> {
  private readonly cache: LRUCache<string, V, Review<V>>;

  constructor(options: ReviewCacheOptions) {
    const now = options.now ?? (() => Date.now());
    this.cache = new LRUCache<string, V, Review<V>>({
      max: options.max,
      perf: { now },
      ttlResolution: 0,
      // A pending review pushed out by a flood still answers the callers waiting on it.
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { options: entry, context }) => {
        const answer = await context();
        entry.ttl = Math.max(1, answer.ttlMs);
        return answer.value;
      },
    });
  }

  /** The cached answer for `secret`, else the one `review` gives (shared with concurrent callers). */
  async get(secret: string, review: Review<V>): Promise<V> {
    const value = await this.cache.fetch(digest(secret), { context: review });
    if (value === undefined) throw new Error('review gave no answer');
    return value;
  }

  /** The cached answer, without reviewing. */
  peek(secret: string): V | undefined {
    return this.cache.get(digest(secret));
  }

  get size(): number {
    return this.cache.size;
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
