/**
 * Runs one job per key at a time with bounded overall concurrency. A key enqueued while its job
 * runs is run once more afterwards (events arriving during a reconcile are not lost), and a
 * key already waiting is not queued twice.
 */
export class KeyedWorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private readonly keyWaiters = new Map<string, Array<() => void>>();

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  enqueue(key: string): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Resolves when no job for `key` runs (one that is only queued may still start later). */
  settled(key: string): Promise<void> {
    if (!this.running.has(key)) return Promise.resolve();
    return new Promise((r) => {
      const list = this.keyWaiters.get(key) ?? [];
      list.push(r);
      this.keyWaiters.set(key, list);
    });
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      void this.work(key)
        .catch((err: unknown) => this.onError(key, err))
        .finally(() => {
          this.running.delete(key);
          const waiting = this.keyWaiters.get(key);
          this.keyWaiters.delete(key);
          for (const w of waiting ?? []) w();
          if (this.again.delete(key)) this.enqueue(key);
          this.pump();
          if (this.running.size === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
