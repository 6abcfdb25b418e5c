import type { Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type {
  CreateStruct,
  LogStruct,
  PingResponse,
  PodStatus,
  RemotePod,
  RetrievedPodData,
} from '@interlink/api';
import type { Logger } from '@interlink/logging';
import {
  PluginError,
  PodNotFoundError,
  type CallContext,
  type PluginBackend,
} from '@interlink/plugin-server';
import type { SidecarSettings } from '../config/sidecar-settings';
import { PodSpecError } from '../pod/annotations';
import { buildJob } from '../pod/job-plan-builder';
import { isDnsLabel, isPodUid } from '../pod/names';
import { flagsToArgv } from '../pod/sbatch-flags';
import { runtimeContainerName } from '../script/runtimes/container-runtime';
import { SlurmError, type SlurmCli } from '../slurm/slurm-cli';
import { ContainerFilesReader } from '../status/container-files';
import { QueueSnapshot } from '../status/queue-snapshot';
import { JobFiles } from '../store/job-files';
import { STATE_SCHEMA_VERSION, type JobRecord, type JobStore } from '../store/job-store';
import { KeyedMutex } from '../store/keyed-mutex';
import { refreshVolumeFiles, writeJobDirectory } from './job-writer';
import { nodePing } from './node-ping';
import { podLogs } from './pod-logs';
import { PodStatusReader } from './pod-status-reader';
import { runCommand } from '../slurm/command-runner';
import { stopJob } from './stop-job';
import { retryTransient } from './retry';

/**
 * The `/create` answer with what the sidecar changed or ignored in the pod (a dropped sbatch
 * flag, an unresolved env reference): the node controller turns `Warnings` into Warning events.
 * Local until the contract's CreateStruct carries the optional key itself.
 */
export type SlurmCreateResult = CreateStruct & { Warnings?: string[] };

/** Slurm as a PluginBackend: one batch job per pod, job directories as the source of truth. */
export class SlurmBackend implements PluginBackend {
  private readonly locks = new KeyedMutex();
  readonly snapshot: QueueSnapshot;
  private readonly files = new ContainerFilesReader();
  private readonly statusReader: PodStatusReader;
  private readonly processUid = process.getuid?.();

  constructor(
    readonly settings: SidecarSettings,
    readonly store: JobStore,
    readonly cli: SlurmCli,
    private readonly log: Logger,
  ) {
    this.snapshot = new QueueSnapshot(cli, store, { maxAgeMs: settings.raw.StatusCacheSeconds * 1000 }, log);
    this.statusReader = new PodStatusReader(store, this.snapshot, this.files);
  }

  /** Loads the job directories and settles jobs a previous run left half-submitted or half-deleted. */
  async recover(): Promise<{ loaded: number; adopted: number; discarded: number }> {
    const { loaded, skipped } = await this.store.load();
    if (skipped.length > 0)
      this.log.warn('job directories without a readable state were left alone', { skipped });
    const submitting = this.store.all().filter((r) => r.phase === 'submitting');
    let adopted = 0;
    let discarded = 0;
    if (submitting.length > 0) {
      try {
        const byName = await retryTransient(() => this.cli.queueByName(submitting.map((r) => r.uid)));
        for (const rec of submitting) {
          if (await this.settleSubmitting(rec, byName.get(rec.uid)?.[0])) adopted += 1;
          else discarded += 1;
        }
      } catch (err) {
        // Slurm is down: start anyway; a create for these pods checks again before submitting.
        this.log.warn('cannot check half-submitted jobs now', {
          count: submitting.length,
          error: (err as Error).message,
        });
      }
    }
    for (const rec of this.store.all().filter((r) => r.phase === 'deleting')) {
      void this.deleteRecord(rec, 30).catch((err: Error) =>
        this.log.error('resuming delete failed', { uid: rec.uid, error: err.message }),
      );
    }
    this.log.info('job directories restored', { loaded, adopted, discarded });
    return { loaded, adopted, discarded };
  }

  /**
   * A record left in `submitting` by a crash: adopt the job sbatch created (found by its job
   * name, the pod UID) or drop the record. Returns true when adopted.
   */
  private async settleSubmitting(rec: JobRecord, jobId: string | undefined): Promise<boolean> {
    if (jobId) {
      await this.store.put({ ...rec, phase: 'submitted', jobId, submittedAt: new Date().toISOString() });
      return true;
    }
    await this.store.remove(rec.namespace, rec.uid);
    return false;
  }

  /** The job for a pod; a pod the sidecar cannot run is the caller's fault (400, saying why). */
  private build(data: RetrievedPodData): ReturnType<typeof buildJob> {
    try {
      return buildJob(data, this.settings, this.processUid);
    } catch (err) {
      if (err instanceof PodSpecError) throw new PluginError(400, err.message);
      throw err;
    }
  }

  async create(data: RetrievedPodData, ctx: CallContext): Promise<SlurmCreateResult> {
    const built = this.build(data);
    const { plan } = built;
    const log = this.log.child({
      sessionId: ctx.sessionId,
      namespace: plan.namespace,
      pod: plan.podName,
      uid: plan.uid,
    });
    for (const w of built.warnings) log.warn(w);
    const warned = built.warnings.length > 0 ? { Warnings: built.warnings } : {};
    return this.locks.run(plan.uid, async () => {
      let existing = this.store.get(plan.uid);
      if (existing?.phase === 'submitting') {
        // Only after a crash (the lock serialises creates): never submit the pod twice.
        const byName = await retryTransient(() => this.cli.queueByName([plan.uid])).catch(toPluginError);
        await this.settleSubmitting(existing, byName.get(plan.uid)?.[0]);
        existing = this.store.get(plan.uid);
      }
      if (existing?.jobId && existing.phase === 'submitted')
        return { PodUID: plan.uid, PodJID: existing.jobId, ...warned };
      if (existing?.phase === 'deleting') throw new PluginError(409, `pod ${plan.uid} is being deleted`);
      const jobUid = plan.sbatchFlags.find((f) => f.name === 'uid')?.value;
      let script: string;
      try {
        script = await writeJobDirectory(built, jobUid !== undefined ? Number(jobUid) : undefined);
      } catch (err) {
        await this.store.remove(plan.namespace, plan.uid).catch(() => undefined);
        if (err instanceof PodSpecError) throw new PluginError(400, err.message);
        throw err;
      }
      const args = [
        ...flagsToArgv(plan.sbatchFlags),
        `--job-name=${plan.uid}`,
        `--output=${JobFiles.jobOut(plan.jobDir)}`,
        `--chdir=${plan.jobDir}`,
      ];
      const record: JobRecord = {
        schemaVersion: STATE_SCHEMA_VERSION,
        uid: plan.uid,
        namespace: plan.namespace,
        name: plan.podName,
        ...(data.pod.spec?.nodeName ? { nodeName: data.pod.spec.nodeName } : {}),
        phase: 'submitting',
        runtime: plan.containers[0]?.runtime ?? this.settings.defaultRuntime,
        // With a custom job script the record keeps the pod's own names: they are what
        // status and logs are asked about.
        initContainers:
          plan.customScript !== undefined
            ? (data.pod.spec?.initContainers ?? []).map((c) => c.name)
            : plan.initContainers.map((c) => c.name),
        containers:
          plan.customScript !== undefined
            ? (data.pod.spec?.containers ?? []).map((c) => c.name)
            : plan.containers.map((c) => c.name),
        ...(plan.customScript !== undefined ? { customScript: true } : {}),
        createdAt: new Date().toISOString(),
        sbatchArgs: args,
      };
      await this.store.put(record);
      let jobId: string;
      try {
        jobId = await this.cli.submit(script, args, plan.jobDir);
      } catch (err) {
        await this.store.remove(plan.namespace, plan.uid);
        if (err instanceof SlurmError) {
          log.warn('sbatch refused the job', { error: err.message });
          throw new PluginError(err.transient ? 503 : 400, err.message);
        }
        throw err;
      }
      await this.store.put({ ...record, phase: 'submitted', jobId, submittedAt: new Date().toISOString() });
      log.info('job submitted', { jobId });
      return { PodUID: plan.uid, PodJID: jobId, ...warned };
    });
  }

  async updateVolumes(data: RetrievedPodData, ctx: CallContext): Promise<void> {
    const uid = data.pod.metadata?.uid ?? '';
    await this.locks.run(uid, async () => {
      const rec = this.store.get(uid);
      if (!rec || rec.phase !== 'submitted' || rec.final)
        throw new PodNotFoundError(`pod ${uid} has no running Slurm job here`);
      const files = await refreshVolumeFiles(this.build(data));
      this.log.info('pod volumes refreshed', { sessionId: ctx.sessionId, uid, jobId: rec.jobId, files });
    });
  }

  /** Every job record, finished ones too: they stay until the pod is deleted. */
  async listPods(_ctx: CallContext): Promise<RemotePod[]> {
    return this.store.all().map((rec) => ({
      name: rec.name,
      namespace: rec.namespace,
      UID: rec.uid,
      ...(rec.nodeName ? { nodeName: rec.nodeName } : {}),
      ...(rec.jobId ? { JID: rec.jobId } : {}),
    }));
  }

  async delete(pod: V1Pod, ctx: CallContext): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    if (!isPodUid(uid) || !isDnsLabel(namespace)) return;
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.locks.run(uid, async () => {
      const rec = this.store.get(uid);
      if (!rec) {
        await this.store.remove(namespace, uid);
        return;
      }
      this.log.info('deleting pod', {
        sessionId: ctx.sessionId,
        namespace,
        pod: rec.name,
        uid,
        jobId: rec.jobId,
      });
      await this.deleteRecord(rec, grace);
    });
  }

  private async deleteRecord(rec: JobRecord, graceSeconds: number): Promise<void> {
    if (rec.phase !== 'deleting') await this.store.put({ ...rec, phase: 'deleting' });
    if (rec.jobId && !rec.final) {
      let stopped: boolean;
      try {
        stopped = await stopJob(this.cli, rec.jobId, {
          graceSeconds: Math.min(graceSeconds, this.settings.raw.DeleteGraceMaxSeconds),
        });
      } catch (err) {
        if (err instanceof SlurmError) throw new PluginError(err.transient ? 503 : 500, err.message);
        throw err;
      }
      if (!stopped) throw new PluginError(500, `Slurm job ${rec.jobId} did not stop; try again`);
    }
    await this.removeLeftoverContainers(rec);
    const dir = this.store.dirOf(rec.namespace, rec.uid);
    await this.store.remove(rec.namespace, rec.uid);
    this.files.forget(dir);
  }

  /** A job killed hard cannot clean up its docker/podman containers; do it here. */
  private async removeLeftoverContainers(rec: JobRecord): Promise<void> {
    if (rec.runtime !== 'docker' && rec.runtime !== 'podman') return;
    const cli = rec.runtime === 'docker' ? this.settings.raw.DockerPath : this.settings.raw.PodmanPath;
    const names = [
      ...rec.initContainers.map((n) => ({ kind: 'init' as const, name: n })),
      ...rec.containers.map((n) => ({ kind: 'run' as const, name: n })),
    ].map((c) => runtimeContainerName(rec.uid, c.kind, c.name));
    await runCommand(cli, ['rm', '-f', ...names], { timeoutMs: 30_000 }).catch(() => undefined);
  }

  status(pods: V1Pod[], _ctx: CallContext): Promise<PodStatus[]> {
    return this.statusReader.status(pods);
  }

  async logs(req: LogStruct, ctx: CallContext): Promise<Readable> {
    if (!isPodUid(req.PodUID) || !isDnsLabel(req.Namespace))
      throw new PluginError(400, 'invalid namespace or pod UID');
    const rec = this.store.get(req.PodUID);
    if (!rec || rec.namespace !== req.Namespace)
      throw new PluginError(404, `pod ${req.Namespace}/${req.PodName || req.PodUID} not found`);
    return podLogs(rec, req, this.store.dirOf(rec.namespace, rec.uid), ctx.signal, () =>
      this.statusReader.jobEnded(rec.uid),
    );
  }

  ping(_ctx: CallContext): Promise<PingResponse> {
    return nodePing(this.cli, this.settings);
  }
}

function toPluginError(err: unknown): never {
  if (err instanceof SlurmError) throw new PluginError(err.transient ? 503 : 500, err.message);
  throw err;
}
