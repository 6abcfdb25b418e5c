import type { PodStatus } from '@interlink/api';

interface Entry {
  status: PodStatus;
  fetchedAt: number;
  requestedAt: number;
}

export interface StatusCacheOptions {
  maxEntries: number;
  /** Entries not requested for this long are dropped. */
  ttlMs: number;
  now?: () => number;
}

/**
 * UID → last plugin status. Bounded (least recently requested entries go first) and expiring,
 * unlike upstream's cache, which grows forever and can serve statuses of long-gone pods.
 */
export class StatusCache {
  // Map iteration order is insertion order; touching an entry re-inserts it, so the first
  // key is always the least recently requested one.
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: StatusCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `uid` if present and not expired; marks it as requested. */
  get(uid: string): { status: PodStatus; ageMs: number } | undefined {
    const entry = this.entries.get(uid);
    if (!entry) return undefined;
    const now = this.now();
    if (now - entry.requestedAt > this.options.ttlMs) {
      this.entries.delete(uid);
      return undefined;
    }
    entry.requestedAt = now;
    this.entries.delete(uid);
    this.entries.set(uid, entry);
    return { status: entry.status, ageMs: now - entry.fetchedAt };
  }

  /**
   * `askedAt`: when the plugin was asked. A status describes the plugin's state at that moment,
   * so its age counts from then, not from when a slow answer arrived.
   */
  set(uid: string, status: PodStatus, askedAt?: number): void {
    const now = this.now();
    this.entries.delete(uid);
    this.entries.set(uid, { status, fetchedAt: Math.min(askedAt ?? now, now), requestedAt: now });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(uid: string): boolean {
    return this.entries.delete(uid);
  }

  /** Every live status (upstream answers an empty status request with all of them). */
  all(): PodStatus[] {
    this.sweep();
    return [...this.entries.values()].map((e) => e.status);
  }

  /** Drop expired entries; called periodically and before `all()`. */
  sweep(): number {
    const limit = this.now() - this.options.ttlMs;
    let removed = 0;
    for (const [uid, entry] of this.entries) {
      if (entry.requestedAt >= limit) break; // ordered by requestedAt: the rest are newer
      this.entries.delete(uid);
      removed++;
    }
    return removed;
  }
}
