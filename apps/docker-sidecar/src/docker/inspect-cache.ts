import type Docker from 'dockerode';
import type { ContainerInstance } from './container-inventory';

/** What the list call lacks: exact times, exit code, OOM flag, start error. */
export interface InspectFacts {
  startedAt: string | undefined;
  finishedAt: string | undefined;
  exitCode: number;
  oomKilled: boolean;
  error: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Inspect results keyed by container id and list state. A container instance is never
 * restarted by Docker here (restarts create new instances), so once a running container was
 * inspected its start time is known for good, and an exited one never changes again: a status
 * call for 500 steady pods needs no inspect at all.
 */
export class InspectCache {
  private readonly entries = new Map<string, { state: string; facts: InspectFacts }>();
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly docker: Docker,
    private readonly concurrency = 8,
  ) {}

  /** Cached facts when the list state still matches; otherwise one inspect. */
  async facts(inst: ContainerInstance): Promise<InspectFacts> {
    const hit = this.entries.get(inst.id);
    if (hit && hit.state === inst.state) return hit.facts;
    const info = await this.limited(() => this.docker.getContainer(inst.id).inspect());
    const facts = factsOf(info);
    // Store under the state Docker reports now: it may have moved on since the list call.
    this.entries.set(inst.id, { state: listStateOf(info), facts });
    return facts;
  }

  /** Feed a fresh inspect result (after start, after a die event). */
  remember(info: Docker.ContainerInspectInfo): InspectFacts {
    const facts = factsOf(info);
    this.entries.set(info.Id, { state: listStateOf(info), facts });
    return facts;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Drop entries of containers that no longer exist. */
  prune(liveIds: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!liveIds.has(id)) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.concurrency) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
  }
}

function time(t: string | undefined): string | undefined {
  return !t || t.startsWith(ZERO_TIME.slice(0, 10)) ? undefined : t;
}

export function factsOf(info: Docker.ContainerInspectInfo): InspectFacts {
  const s = info.State;
  return {
    startedAt: time(s.StartedAt),
    finishedAt: time(s.FinishedAt),
    exitCode: s.ExitCode,
    oomKilled: s.OOMKilled,
    error: s.Error ?? '',
  };
}

/** Inspect's State.Status uses the same words as the list call's State. */
function listStateOf(info: Docker.ContainerInspectInfo): string {
  return info.State.Status;
}
