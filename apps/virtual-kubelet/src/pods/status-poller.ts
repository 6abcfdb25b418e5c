import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import { RelayError } from '@interlink/relay-client';
import type { PodStatus } from '@interlink/api';
import { isTerminalPhase } from './status/pod-status-mapper';
import { podForRelay, type TrackedPod } from './tracked-pod';

/** How long after a create a pod that has not started yet keeps the fast polling rate. */
const FAST_WINDOW_MS = 30_000;

/** Every reported container has left `waiting`. */
function containersStarted(answer: PodStatus | undefined): boolean {
  const all = [...(answer?.initContainers ?? []), ...(answer?.containers ?? [])];
  return all.length > 0 && (answer?.containers ?? []).length > 0 && (answer?.containers ?? []).every((c) => c.state?.running || c.state?.terminated);
}

/** Consecutive answers without a pod before it can count as lost (a slow plugin cache skips some). */
export const LOST_AFTER_POLLS = 3;

/**
 * The lost-job rule. After an acknowledged create the plugin must list the pod (contract: a pod
 * it created whose container/job vanished is still answered, as terminated). A pod absent
 * from at least LOST_AFTER_POLLS consecutive successful answers AND for at least the grace
 * period (RemoteJobLostGraceSeconds, default 60 s: upstream's Slurm plugin answers from a
 * cache refreshed every 10 s) is gone with no trace at the plugin: it becomes Failed
 * (RemoteJobLost, containers terminated 137) and its controller, if any, replaces it. It is
 * not re-submitted: whether it had run, and how far, is unknown, and running it twice is worse
 * than reporting it lost. Failed polls (relay or plugin down) count for nothing.
 */
export function isLost(t: TrackedPod, now: number, graceMs: number): boolean {
  return (t.missingPolls ?? 0) >= LOST_AFTER_POLLS && t.missingSince !== undefined && now - t.missingSince >= graceMs;
}

export interface StatusPollerOptions {
  /** Steady polling period (StatusIntervalSeconds). */
  intervalMs: number;
  /** First poll after a create; doubles until it reaches intervalMs (StatusFastIntervalSeconds). */
  fastMs: number;
  /** A submitted pod missing from every answer this long is lost (RemoteJobLostGraceSeconds). */
  lostGraceMs: number;
}

export interface StatusPollerMetrics {
  poll(pods: number, ok: boolean): void;
}

/**
 * Asks the relay for the status of every pod that is due, in one batched `/status` call per
 * tick (the relay client chunks huge nodes). Steady pods share ticks aligned on the interval,
 * so a quiet node costs exactly one call per interval; a freshly created pod is polled every
 * 200 ms until its containers start (for at most 30 s), then at 400 ms, 800 ms... until it
 * joins the steady ticks. Ticks never overlap. A relay
 * outage changes nothing (pods keep their state); a pod the plugin stops reporting is lost
 * after the grace period.
 */
export class StatusPoller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private readonly steps = new Map<string, number>();
  private failing = false;
  calls = 0;

  constructor(
    private readonly provider: Provider,
    private readonly pods: () => Iterable<TrackedPod>,
    private readonly changed: (t: TrackedPod) => void,
    private readonly options: StatusPollerOptions,
    private readonly log: Logger,
    private readonly metrics?: StatusPollerMetrics,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** A pod was just accepted by the plugin (or adopted): poll it soon. */
  track(t: TrackedPod, immediately = false): void {
    const now = Date.now();
    this.steps.set(t.uid, this.options.fastMs);
    t.nextPollAt = immediately ? now : now + this.options.fastMs;
    this.schedule();
  }

  forget(uid: string): void {
    this.steps.delete(uid);
  }

  private pollable(t: TrackedPod): boolean {
    return t.local.kind === 'submitted' && !t.deleting && !isTerminalPhase(t.pod.status?.phase) && t.nextPollAt !== undefined;
  }

  private nextBoundary(now: number): number {
    const i = this.options.intervalMs;
    return Math.floor(now / i) * i + i;
  }

  private schedule(): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    const now = Date.now();
    let wake = Number.POSITIVE_INFINITY;
    for (const t of this.pods()) if (this.pollable(t)) wake = Math.min(wake, t.nextPollAt ?? wake);
    if (wake === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.tick().catch((err: Error) => this.log.error('status poll failed', { error: err.message }));
    }, Math.max(0, wake - now));
  }

  /** One poll of every due pod. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const started = Date.now();
      const due = [...this.pods()].filter((t) => this.pollable(t) && (t.nextPollAt ?? Infinity) <= started + 5);
      if (due.length > 0) await this.poll(due, started);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private async poll(due: TrackedPod[], started: number): Promise<void> {
    let answers: PodStatus[];
    this.calls++;
    try {
      answers = await this.provider.status(due.map(podForRelay));
      this.metrics?.poll(due.length, true);
      if (this.failing) this.log.info('relay status calls work again', { pods: due.length });
      this.failing = false;
    } catch (err) {
      this.metrics?.poll(due.length, false);
      if (!this.failing) {
        this.log.warn('status poll failed; pods keep their last known state', {
          pods: due.length,
          error: (err as Error).message,
          kind: err instanceof RelayError ? err.kind : undefined,
        });
      }
      this.failing = true;
      for (const t of due) t.nextPollAt = this.nextBoundary(Date.now());
      return;
    }
    const byUid = new Map(answers.map((a) => [a.UID, a]));
    const now = Date.now();
    for (const t of due) {
      // A pod still starting right after its create is polled at the fast rate (that is when
      // users wait for it); afterwards the step doubles up to the steady interval.
      const starting = t.submittedAt !== undefined && now - t.submittedAt < FAST_WINDOW_MS && !containersStarted(byUid.get(t.uid));
      const step = starting ? this.options.fastMs : Math.min((this.steps.get(t.uid) ?? this.options.intervalMs) * 2, this.options.intervalMs);
      this.steps.set(t.uid, step);
      t.nextPollAt = step >= this.options.intervalMs ? this.nextBoundary(now) : now + step;
      const answer = byUid.get(t.uid);
      if (answer) {
        t.missingSince = undefined;
        t.missingPolls = 0;
        if (answer.JID && !t.jobId) t.jobId = answer.JID;
        // The relay client hands back the very same object for an unchanged answer.
        if (t.remote !== answer && (!t.remote || JSON.stringify(t.remote) !== JSON.stringify(answer))) {
          t.remote = answer;
          t.remoteChangedAt ??= started;
          this.changed(t);
        }
        continue;
      }
      t.missingSince ??= now;
      t.missingPolls = (t.missingPolls ?? 0) + 1;
      if (isLost(t, now, this.options.lostGraceMs)) {
        const seconds = Math.round((now - t.missingSince) / 1000);
        t.local = {
          kind: 'lost',
          message: `the plugin has not reported this pod${t.jobId ? ` (remote job ${t.jobId})` : ''} for ${seconds}s (${t.missingPolls} status answers); the remote job is gone`,
        };
        this.steps.delete(t.uid);
        this.changed(t);
      }
    }
  }
}
