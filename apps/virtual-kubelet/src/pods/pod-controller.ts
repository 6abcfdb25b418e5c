import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import { podRef, type EventRecorder } from '../events/event-recorder';
import type { PodEventHandler } from './pod-watcher';
import { KeyedSerializer } from './keyed-serializer';
import type { PodCreator } from './pod-creator';
import type { PodDeleter } from './pod-deleter';
import type { PodStatusWriter } from './pod-status-writer';
import { OWNED_CONDITIONS } from './status/pod-conditions';
import { isTerminalPhase } from './status/pod-status-mapper';
import type { StatusPoller } from './status-poller';
import { jobIdOf, newTrackedPod, olderThan, podForRelay, statusDigest, type TrackedPod } from './tracked-pod';
import { backoffMs, WorkQueue } from './work-queue';
import { PluginLookup } from './plugin-lookup';

export interface PodControllerOptions {
  nodeName: string;
  workers: number;
  skipDaemonSetPods: boolean;
  /** Period of the safety-net status pass. Default 30 s. */
  resyncMs?: number;
}

/**
 * Reacts to the pods bound to this node: creates them remotely, keeps their status in sync,
 * deletes them remotely before they leave the API. Everything for one pod runs serialised
 * by UID (a delete waits for an in-flight create). After a restart a pod an earlier process
 * touched is adopted only when the plugin lists it, and created again otherwise
 * (adoptFromPlugin).
 */
export class PodController implements PodEventHandler {
  readonly pods = new Map<string, TrackedPod>();
  private readonly serial = new KeyedSerializer();
  private readonly writes: WorkQueue;
  private readonly lookup: PluginLookup;
  private stopped = false;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly provider: Provider,
    private readonly creator: PodCreator,
    private readonly deleter: PodDeleter,
    private readonly writer: PodStatusWriter,
    private readonly poller: StatusPoller,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly options: PodControllerOptions,
  ) {
    this.lookup = new PluginLookup(provider);
    this.writes = new WorkQueue(options.workers, (uid) => this.writeStatus(uid), (uid, err) =>
      this.log.warn('pod status write failed; the next resync retries it', { uid, error: (err as Error).message }),
    );
    // Writes happen on change; a periodic pass catches any write that failed (like an informer resync).
    this.resyncTimer = setInterval(() => this.resync(), options.resyncMs ?? 30_000);
    this.resyncTimer.unref?.();
  }

  /** Re-check every pod's status (writes only where it differs). */
  resync(): void {
    for (const t of this.pods.values()) if (!t.deleting && t.local.kind !== 'creating') this.dirty(t);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.deleter.stop();
    for (const t of this.pods.values()) clearTimeout(t.retryTimer);
  }

  /** Mark a pod's status for (re)writing. */
  dirty(t: TrackedPod): void {
    this.writes.add(t.uid);
  }

  /** Resolves when no status write is queued (tests, benchmarks). */
  settled(): Promise<void> {
    return this.writes.idle();
  }

  upsert(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || pod.spec?.nodeName !== this.options.nodeName) return;
    const known = this.pods.get(uid);
    if (known) {
      if (olderThan(pod, known.pod)) return;
      known.pod = pod;
      const jid = jobIdOf(pod);
      if (jid && !known.jobId) known.jobId = jid;
      if (pod.metadata?.deletionTimestamp && !known.deleting) this.startDelete(known, true);
      return;
    }
    const t = newTrackedPod(pod, { kind: 'creating' });
    this.pods.set(uid, t);
    // Our conditions on the pod mean an earlier process may have sent it to the plugin.
    const touched = (pod.status?.conditions ?? []).some((c) => (OWNED_CONDITIONS as readonly string[]).includes(c.type));
    if (touched) t.maybeRemote = true;
    if (pod.metadata?.deletionTimestamp) {
      this.startDelete(t, true);
      return;
    }
    if (isTerminalPhase(pod.status?.phase)) {
      t.local = { kind: 'submitted' };
      t.lastWritten = statusDigest(JSON.stringify(pod.status));
      return;
    }
    if (t.jobId) {
      // An earlier process had this pod accepted; the plugin decides whether it still has it.
      this.runCreate(t, true);
      return;
    }
    if (this.options.skipDaemonSetPods && pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')) {
      t.local = { kind: 'held', reason: 'DaemonSetPodNotOffloaded', message: `DaemonSet pods are not offloaded by virtual node ${this.options.nodeName} (SkipDaemonSetPods is set)` };
      this.dirty(t);
      return;
    }
    this.events.event(podRef(pod), 'Normal', 'Scheduled', `Accepted by virtual node ${this.options.nodeName}; submitting through the interLink relay`);
    this.runCreate(t, touched);
  }

  remove(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const t = this.pods.get(uid);
    if (!t) return;
    t.pod = pod;
    clearTimeout(t.retryTimer);
    void this.serial
      .run(uid, async () => {
        t.deleting = true;
        await this.deleter.remote(t);
      })
      .catch((err: Error) => this.log.error('remote cleanup failed', { uid, error: err.message }))
      .finally(() => {
        this.pods.delete(uid);
        this.poller.forget(uid);
      });
  }

  private startDelete(t: TrackedPod, fromApi: boolean): void {
    t.deleting = true;
    clearTimeout(t.retryTimer);
    void this.serial
      .run(t.uid, async () => {
        await this.deleter.remote(t);
        if (fromApi && !this.stopped) await this.deleter.fromApi(t);
      })
      .catch((err: Error) => this.log.error('pod deletion failed', { namespace: t.namespace, pod: t.name, uid: t.uid, error: err.message }));
  }

  /** A create or plugin lookup again after `afterMs`, or sooner when the relay is back (retryWaitingNow). */
  private scheduleRetry(t: TrackedPod, mode: 'create' | 'lookup', afterMs: number): void {
    if (t.deleting || this.stopped) return;
    clearTimeout(t.retryTimer);
    t.pendingRetry = mode;
    t.retryTimer = setTimeout(() => {
      t.pendingRetry = undefined;
      this.runCreate(t, mode === 'lookup');
    }, afterMs);
  }

  /**
   * The relay answers again (a ping succeeded after failures): creates and plugin lookups
   * waiting out their back-off (up to 30 s) run now instead of leaving pods Pending longer
   * than the outage.
   */
  retryWaitingNow(): void {
    for (const t of this.pods.values()) {
      const mode = t.pendingRetry;
      if (!mode || t.deleting || this.stopped) continue;
      clearTimeout(t.retryTimer);
      t.pendingRetry = undefined;
      this.runCreate(t, mode === 'lookup');
    }
  }

  /** Queue a create attempt; an unexpected failure is logged and retried, never thrown away. */
  private runCreate(t: TrackedPod, checkPluginFirst: boolean): void {
    this.serial.run(t.uid, () => this.create(t, checkPluginFirst)).catch((err: Error) => {
      this.log.error('create attempt failed unexpectedly; retrying', { namespace: t.namespace, pod: t.name, uid: t.uid, error: err.message });
      this.scheduleRetry(t, 'create', 5_000);
    });
  }

  private async create(t: TrackedPod, checkPluginFirst: boolean): Promise<void> {
    if (t.deleting || this.stopped) return;
    if (checkPluginFirst) {
      const found = await this.adoptFromPlugin(t);
      if (found !== 'absent' || t.deleting || this.stopped) return;
    }
    if (!checkPluginFirst && t.createAttempts === 0) {
      // Mark the pod as ours before anything reaches the plugin: after a crash the next
      // process sees our conditions and asks the plugin before submitting again.
      await this.writer.sync(t).catch((err: Error) => this.log.warn('initial status write failed', { uid: t.uid, error: err.message }));
    }
    const result = await this.creator.attempt(t, () => this.initialStatus(t));
    if (t.deleting) return;
    this.dirty(t);
    if (result.next === 'poll') this.poller.track(t);
    else if (result.next === 'retry') {
      this.scheduleRetry(t, 'create', result.afterMs);
    }
  }

  /**
   * Restart recovery, the rule that keeps every pod exactly once: a pod an earlier process
   * touched (our conditions, or a JobID) is adopted only when the plugin lists it in a
   * `/status` answer: the plugin then really has it (running, finished, or vanished and
   * reported terminated). A pod the plugin does not list was never created there, or the
   * create had not arrived, so it is created again (the plugin dedups by UID a create still
   * in flight). When the plugin cannot be asked, nothing is decided: the pod keeps the status
   * it has and the question is repeated with back-off.
   */
  private async adoptFromPlugin(t: TrackedPod): Promise<'adopted' | 'absent' | 'unknown'> {
    const fields = { namespace: t.namespace, pod: t.name, uid: t.uid, jobId: t.jobId };
    let answer;
    try {
      answer = await this.lookup.find(podForRelay(t));
    } catch (err) {
      t.lookupAttempts = (t.lookupAttempts ?? 0) + 1;
      const afterMs = backoffMs(t.lookupAttempts, 1_000, 30_000);
      if (t.lookupAttempts === 1 || t.lookupAttempts % 10 === 0) {
        this.log.warn('cannot ask the plugin whether it has this pod; the pod keeps its status, asking again', { ...fields, error: (err as Error).message, retryInMs: afterMs });
      }
      this.scheduleRetry(t, 'lookup', afterMs);
      return 'unknown';
    }
    if (!answer) {
      this.log.info('plugin does not list this pod; creating it (again)', fields);
      t.jobId = undefined;
      return 'absent';
    }
    t.local = { kind: 'submitted' };
    t.maybeRemote = true;
    t.remote = answer;
    if (answer.JID) t.jobId = answer.JID;
    this.log.info('plugin lists this pod; adopted without re-submitting', { ...fields, jobId: t.jobId });
    this.dirty(t);
    this.poller.track(t);
    return 'adopted';
  }

  private initialStatus(t: TrackedPod): V1PodStatus {
    return this.writer.desired({ ...t, local: { kind: 'creating' } });
  }

  private async writeStatus(uid: string): Promise<void> {
    const t = this.pods.get(uid);
    if (!t || t.deleting) return;
    await this.serial.run(uid, () => this.writer.sync(t));
  }
}

