import type { Logger } from '@interlink/logging';
import { SlurmError, type SlurmCli } from '../slurm/slurm-cli';
import { isTerminalState, type SlurmJobInfo } from '../slurm/slurm-records';
import type { FinalJobState, JobRecord, JobStore } from '../store/job-store';

export interface Snapshot {
  takenAt: number;
  /** jobs Slurm reported on (squeue, or sacct/scontrol for jobs that left the queue) */
  jobs: Map<string, SlurmJobInfo>;
  /** jobs that left the queue with no record anywhere */
  gone: Set<string>;
}

export interface SnapshotOptions {
  /** a snapshot younger than this is reused */
  maxAgeMs: number;
  /** how long to stop asking sacct after it said accounting is unavailable */
  sacctRetryMs?: number;
  /** at most this many `scontrol show job` calls per refresh (fallback without sacct) */
  scontrolPerRefresh?: number;
}

/**
 * The state of every tracked job from ONE squeue call, refreshed at most once per
 * `maxAgeMs` and shared by concurrent callers (single flight). Jobs that left the queue are
 * looked up in sacct (once, in one call), else with scontrol, and their final state is
 * persisted in the job record so Slurm is never asked about them again.
 */
export class QueueSnapshot {
  private current: Snapshot | undefined;
  private inflight: Promise<Snapshot> | undefined;
  private sacctUnavailableUntil = 0;

  constructor(
    private readonly cli: SlurmCli,
    private readonly store: JobStore,
    private readonly opts: SnapshotOptions,
    private readonly log: Logger,
  ) {}

  async get(): Promise<Snapshot> {
    if (this.current && Date.now() - this.current.takenAt < this.opts.maxAgeMs) return this.current;
    return this.refresh();
  }

  /** Forces a new snapshot (joins one already running). */
  refresh(): Promise<Snapshot> {
    this.inflight ??= this.take().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async take(): Promise<Snapshot> {
    const tracked = this.store
      .all()
      .filter((r): r is JobRecord & { jobId: string } => !!r.jobId && !r.final && r.phase !== 'submitting');
    const ids = tracked.map((r) => r.jobId);
    let jobs: Map<string, SlurmJobInfo>;
    try {
      jobs = await this.cli.queue(ids);
    } catch (err) {
      // Serve the last good snapshot while Slurm is briefly unreachable.
      if (this.current && err instanceof SlurmError && err.transient) {
        this.log.warn('squeue failed; serving the previous snapshot', { error: err.message });
        return this.current;
      }
      throw err;
    }
    const missing = ids.filter((id) => !jobs.has(id));
    const gone = new Set<string>();
    if (missing.length > 0) {
      for (const [id, info] of await this.lookupFinished(missing)) jobs.set(id, info);
      for (const id of missing) if (!jobs.has(id)) gone.add(id);
    }
    const snapshot: Snapshot = { takenAt: Date.now(), jobs, gone };
    await this.persistFinal(tracked, snapshot);
    this.current = snapshot;
    return snapshot;
  }

  private async lookupFinished(ids: string[]): Promise<Map<string, SlurmJobInfo>> {
    const found = new Map<string, SlurmJobInfo>();
    if (Date.now() >= this.sacctUnavailableUntil) {
      try {
        const acct = await this.cli.accounting(ids);
        if (acct) {
          for (const [id, info] of acct) found.set(id, info);
          return found;
        }
        this.sacctUnavailableUntil = Date.now() + (this.opts.sacctRetryMs ?? 300_000);
        this.log.info('sacct unavailable (no accounting); using scontrol and exit-code files');
      } catch (err) {
        this.log.warn('sacct failed', { error: (err as Error).message });
      }
    }
    for (const id of ids.slice(0, this.opts.scontrolPerRefresh ?? 20)) {
      try {
        const info = await this.cli.showJob(id);
        if (info) found.set(id, info);
      } catch (err) {
        this.log.warn('scontrol show job failed', { jobId: id, error: (err as Error).message });
      }
    }
    return found;
  }

  private async persistFinal(tracked: (JobRecord & { jobId: string })[], snap: Snapshot): Promise<void> {
    const now = new Date().toISOString();
    const writes: (() => Promise<void>)[] = [];
    for (const rec of tracked) {
      const info = snap.jobs.get(rec.jobId);
      let final: FinalJobState | undefined;
      if (info && isTerminalState(info.state)) {
        final = {
          state: info.state,
          reason: info.reason,
          ...(info.exitCode !== undefined ? { exitCode: info.exitCode } : {}),
          ...(info.exitSignal !== undefined ? { exitSignal: info.exitSignal } : {}),
          ...(info.startTime ? { startTime: info.startTime.toISOString() } : {}),
          ...(info.endTime ? { endTime: info.endTime.toISOString() } : {}),
          source: info.source,
          observedAt: now,
        };
      } else if (snap.gone.has(rec.jobId)) {
        final = {
          state: 'UNKNOWN',
          reason: 'left the queue without a record',
          source: 'none',
          observedAt: now,
        };
      }
      if (!final) continue;
      const jobFinal = final;
      writes.push(async () => {
        const latest = this.store.get(rec.uid);
        if (!latest || latest.jobId !== rec.jobId || latest.final) return;
        try {
          await this.store.put({ ...latest, final: jobFinal });
        } catch (err) {
          // The directory may be gone (pod deleted meanwhile); the state is still in the snapshot.
          this.log.debug('could not persist final job state', {
            uid: rec.uid,
            error: (err as Error).message,
          });
        }
      });
    }
    // Many jobs can finish between two polls: overlap their (fsync'd) writes.
    for (let i = 0; i < writes.length; i += 16) await Promise.all(writes.slice(i, i + 16).map((w) => w()));
  }
}

/** The persisted final state as the SlurmJobInfo the mapper expects. */
export function finalInfo(jobId: string, f: FinalJobState): SlurmJobInfo {
  return {
    jobId,
    state: f.state,
    reason: f.reason,
    ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}),
    ...(f.exitSignal !== undefined ? { exitSignal: f.exitSignal } : {}),
    ...(f.startTime ? { startTime: new Date(f.startTime) } : {}),
    ...(f.endTime ? { endTime: new Date(f.endTime) } : {}),
    source: f.source === 'sacct' || f.source === 'scontrol' ? f.source : 'squeue',
  };
}
