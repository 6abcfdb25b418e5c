import { PodStatusCodec, type PodStatus } from '@interlink/api';
import type { HttpError } from '@interlink/http-kit';
import type { Logger } from '@interlink/logging';
import type { V1Pod } from '@kubernetes/client-node';
import type { PluginClient } from '../plugin/PluginClient';
import { pluginAnswerError, pluginGarbage } from '../plugin/pluginErrors';
import type { StatusCache } from './StatusCache';

export interface StatusBatcherOptions {
  batchSize: number;
  maxParallelCalls: number;
  /** A cached status younger than this is answered without asking the plugin. */
  freshMs: number;
}

export interface StatusMetricsHook {
  pluginCall(pods: number): void;
  cacheHit(count: number): void;
}

type Outcome = { ok: true; status: PodStatus | undefined } | { ok: false; error: HttpError };

const TERMINAL = new Set(['Succeeded', 'Failed']);

/**
 * Whether every container has started or finished. A status still waiting (image pull, container
 * being created) is about to change, so serving it from the cache would hold a starting pod's
 * Running back by up to the freshness window; such pods are always asked for.
 */
function settled(status: PodStatus): boolean {
  const containers = status.containers ?? [];
  return (
    containers.length > 0 &&
    containers.every((c) => c.state?.running !== undefined || c.state?.terminated !== undefined)
  );
}

/**
 * Answers a status request for N pods with as few plugin calls as possible: fresh cache entries
 * are served directly, pods already being fetched by a concurrent request share that call
 * (single flight), and the rest go to the plugin in chunks of `batchSize`, at most
 * `maxParallelCalls` at a time.
 */
export class StatusBatcher {
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(
    private readonly plugin: PluginClient,
    private readonly cache: StatusCache,
    private readonly options: StatusBatcherOptions,
    private readonly metrics: StatusMetricsHook,
  ) {}

  /**
   * Statuses in request order; pods the plugin does not know are omitted. The first plugin
   * failure fails the whole request (its status code is what the caller must see).
   */
  async statuses(pods: V1Pod[], sessionId: string, logger: Logger): Promise<PodStatus[]> {
    const uids = [...new Set(pods.map((p) => p.metadata?.uid ?? ''))];
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    const waits = new Map<string, Promise<Outcome>>();
    const toFetch: V1Pod[] = [];
    let hits = 0;
    for (const uid of uids) {
      const cached = this.cache.get(uid);
      const pod = byUid.get(uid) as V1Pod;
      const terminal = TERMINAL.has(pod.status?.phase ?? '');
      if (cached && (terminal || (cached.ageMs < this.options.freshMs && settled(cached.status)))) {
        waits.set(uid, Promise.resolve({ ok: true, status: cached.status }));
        hits++;
        continue;
      }
      const shared = this.inFlight.get(uid);
      if (shared) waits.set(uid, shared);
      else toFetch.push(pod);
    }
    if (hits > 0) this.metrics.cacheHit(hits);
    for (const [uid, outcome] of this.fetch(toFetch, sessionId, logger)) waits.set(uid, outcome);

    const results: PodStatus[] = [];
    for (const uid of uids) {
      const outcome = await (waits.get(uid) as Promise<Outcome>);
      if (!outcome.ok) throw outcome.error;
      if (outcome.status) results.push(outcome.status);
    }
    return results;
  }

  /** Starts the chunked plugin calls; returns one promise per UID, registered as in flight. */
  private fetch(pods: V1Pod[], sessionId: string, logger: Logger): Map<string, Promise<Outcome>> {
    const out = new Map<string, Promise<Outcome>>();
    if (pods.length === 0) return out;
    const chunks: V1Pod[][] = [];
    for (let i = 0; i < pods.length; i += this.options.batchSize)
      chunks.push(pods.slice(i, i + this.options.batchSize));
    const limiter = new ConcurrencyLimit(this.options.maxParallelCalls);
    for (const chunk of chunks) {
      const call = limiter.run(() => this.callPlugin(chunk, sessionId, logger));
      for (const pod of chunk) {
        const uid = pod.metadata?.uid ?? '';
        const outcome: Promise<Outcome> = call.then(
          (statuses) => ({ ok: true, status: statuses.get(uid) }),
          (error: HttpError) => ({ ok: false, error }),
        );
        out.set(uid, outcome);
        this.inFlight.set(uid, outcome);
        void outcome.then(() => {
          if (this.inFlight.get(uid) === outcome) this.inFlight.delete(uid);
        });
      }
    }
    return out;
  }

  private async callPlugin(
    chunk: V1Pod[],
    sessionId: string,
    logger: Logger,
  ): Promise<Map<string, PodStatus>> {
    this.metrics.pluginCall(chunk.length);
    const askedAt = Date.now();
    // Not bound to the caller's signal: other requests may be waiting on this call.
    const res = await this.plugin.status(chunk, { sessionId });
    if (res.status !== 200) throw pluginAnswerError(res, '/status');
    let parsed: unknown;
    try {
      parsed = res.body.length === 0 ? null : JSON.parse(res.text());
    } catch (err) {
      throw pluginGarbage('/status', `not JSON (${(err as Error).message})`);
    }
    if (parsed !== null && !Array.isArray(parsed))
      throw pluginGarbage('/status', 'expected a JSON array of PodStatus');
    const asked = new Set(chunk.map((p) => p.metadata?.uid));
    const found = new Map<string, PodStatus>();
    for (const [i, element] of (parsed ?? []).entries()) {
      const decoded = PodStatusCodec.safeDecode(element);
      if (!decoded.ok) {
        logger.warn('dropping malformed PodStatus from the plugin', {
          index: i,
          problem: decoded.error.message,
        });
        continue;
      }
      const status = decoded.value;
      // Never hand out statuses nobody asked for (some plugins answer with their whole cache).
      if (!asked.has(status.UID)) continue;
      found.set(status.UID, status);
      this.cache.set(status.UID, status, askedAt);
    }
    return found;
  }
}

/** At most `limit` tasks run at once; the rest queue in order. */
class ConcurrencyLimit {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
