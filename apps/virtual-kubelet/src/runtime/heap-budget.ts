import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapBudgetOptions {
  /** Collect once the heap holds this many times what survived the last collection. */
  growthFactor: number;
  /** Below this heap size nothing is forced (MB). */
  floorMb: number;
  checkEveryMs: number;
}

const DEFAULTS: HeapBudgetOptions = { growthFactor: 1.5, floorMb: 96, checkEveryMs: 2_000 };

/**
 * Keeps the heap near what the node really holds. Every status tick turns megabytes of JSON
 * (the pods sent, the statuses received) into garbage; on a host with plenty of memory V8
 * lets the old generation grow to about four times the live set before it collects, so a
 * node with 5,000 pods sat at ~400 MB RSS while holding ~80 MB. A full collection once the
 * heap reaches `growthFactor` × the last live size costs tens of milliseconds every few
 * ticks. Inside a container with a memory limit V8 sizes itself from the limit and this
 * rarely fires.
 */
export class HeapBudget {
  private readonly gc: (() => void) | undefined;
  private readonly options: HeapBudgetOptions;
  private timer: NodeJS.Timeout | undefined;
  private liveBytes = 0;
  collections = 0;

  constructor(options: Partial<HeapBudgetOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.gc = exposeGc();
    this.liveBytes = getHeapStatistics().used_heap_size;
  }

  /** False when this runtime does not let the process collect on demand. */
  get available(): boolean {
    return this.gc !== undefined;
  }

  start(): void {
    if (!this.gc || this.timer) return;
    this.timer = setInterval(() => this.check(), this.options.checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Collects when the heap outgrew its budget; true when it did. Exposed for tests. */
  check(): boolean {
    if (!this.gc) return false;
    if (getHeapStatistics().used_heap_size < this.budgetBytes) return false;
    this.gc();
    this.collections++;
    this.liveBytes = getHeapStatistics().used_heap_size;
    return true;
  }

  /** Heap size that triggers the next collection (bytes). */
  get budgetBytes(): number {
    return Math.max(this.options.floorMb * 1024 * 1024, this.liveBytes * this.options.growthFactor);
  }
}

/** `gc()` without a command-line flag: the flag only has to be set before a new context is made. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
