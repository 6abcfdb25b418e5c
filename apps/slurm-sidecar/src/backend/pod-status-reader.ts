import type { V1Pod } from '@kubernetes/client-node';
import type { PodStatus } from '@interlink/api';
import { PluginError } from '@interlink/plugin-server';
import { CUSTOM_SCRIPT_CONTAINER } from '../script/job-plan';
import { SlurmError } from '../slurm/slurm-cli';
import { isTerminalState } from '../slurm/slurm-records';
import { runKey, type ContainerFilesReader, type ContainerRun } from '../status/container-files';
import { finalInfo, type QueueSnapshot, type Snapshot } from '../status/queue-snapshot';
import { mapPodStatus, type JobView } from '../status/slurm-status-mapper';
import type { JobRecord, JobStore } from '../store/job-store';

/**
 * Pod statuses from the shared queue snapshot (one squeue for all tracked jobs), the
 * persisted final states and the files each job script writes. Only pods that were asked
 * about are answered, each from its own job.
 */
export class PodStatusReader {
  constructor(
    private readonly store: JobStore,
    private readonly snapshot: QueueSnapshot,
    private readonly files: ContainerFilesReader,
  ) {}

  async status(pods: V1Pod[]): Promise<PodStatus[]> {
    const wanted: { pod: V1Pod; uid: string }[] = [];
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (this.store.get(uid)) wanted.push({ pod, uid });
    }
    if (wanted.length === 0) return [];
    const liveJobs = wanted.flatMap(({ uid }) => {
      const rec = this.store.get(uid);
      return rec?.jobId && !rec.final && rec.phase !== 'submitting' ? [rec.jobId] : [];
    });
    let snap: Snapshot | undefined;
    if (liveJobs.length > 0) {
      try {
        snap = await this.snapshot.get();
        const current = snap;
        // A job submitted after the snapshot was taken is not in it yet.
        if (liveJobs.some((id) => !current.jobs.has(id) && !current.gone.has(id)))
          snap = await this.snapshot.refresh();
      } catch (err) {
        if (err instanceof SlurmError) throw new PluginError(err.transient ? 503 : 500, err.message);
        throw err;
      }
    }
    const results = await Promise.all(
      wanted.map(({ pod, uid }) => {
        const rec = this.store.get(uid);
        return rec ? this.podStatus(pod, rec, snap) : undefined;
      }),
    );
    return results.filter((s): s is PodStatus => s !== undefined);
  }

  private async podStatus(pod: V1Pod, rec: JobRecord, snap: Snapshot | undefined): Promise<PodStatus> {
    // The pod in the request is authoritative for names and images; the record covers pods
    // sent without a spec.
    const describe = (list: { name: string; image?: string }[] | undefined, fallback: string[]) =>
      (list && list.length > 0
        ? list
        : fallback.map((name): { name: string; image?: string } => ({ name }))
      ).map((c) => ({
        name: c.name,
        ...(c.image ? { image: c.image } : {}),
      }));
    const initContainers = describe(
      pod.spec ? (pod.spec.initContainers ?? []) : undefined,
      pod.spec ? [] : rec.initContainers,
    );
    const containers = describe(pod.spec?.containers, rec.containers);
    const identity = {
      name: rec.name || pod.metadata?.name || '',
      namespace: rec.namespace,
      uid: rec.uid,
      ...(rec.jobId ? { jobId: rec.jobId } : {}),
      initContainers,
      containers,
    };
    const dir = this.store.dirOf(rec.namespace, rec.uid);
    const runs = rec.customScript
      ? customScriptRuns(
          await this.files.read(dir, [{ kind: 'run', name: CUSTOM_SCRIPT_CONTAINER }]),
          initContainers,
          containers,
        )
      : await this.files.read(dir, [
          ...initContainers.map((c) => ({ kind: 'init' as const, name: c.name })),
          ...containers.map((c) => ({ kind: 'run' as const, name: c.name })),
        ]);
    return mapPodStatus(identity, this.jobView(rec, snap), runs);
  }

  private jobView(rec: JobRecord, snap: Snapshot | undefined): JobView {
    if (!rec.jobId || rec.phase === 'submitting') return { kind: 'submitting' };
    if (rec.final)
      return rec.final.state === 'UNKNOWN'
        ? { kind: 'gone' }
        : { kind: 'slurm', info: finalInfo(rec.jobId, rec.final) };
    const info = snap?.jobs.get(rec.jobId);
    if (info) return { kind: 'slurm', info };
    if (snap?.gone.has(rec.jobId)) return { kind: 'gone' };
    return { kind: 'slurm', info: { jobId: rec.jobId, state: 'PENDING', reason: 'None', source: 'squeue' } };
  }

  /** For log followers: has the pod's job ended (or the pod gone)? */
  async jobEnded(uid: string): Promise<boolean> {
    const rec = this.store.get(uid);
    if (!rec) return true;
    if (rec.final) return true;
    if (!rec.jobId) return false;
    try {
      const snap = await this.snapshot.get();
      const info = snap.jobs.get(rec.jobId);
      return snap.gone.has(rec.jobId) || (info !== undefined && isTerminalState(info.state));
    } catch {
      return false;
    }
  }
}

/**
 * A relay-provided job script stands for the whole pod: every app container shows the
 * script's run, and init containers count as done once the script started.
 */
function customScriptRuns(
  read: Map<string, ContainerRun>,
  initContainers: { name: string }[],
  containers: { name: string }[],
): Map<string, ContainerRun> {
  const script = read.get(runKey('run', CUSTOM_SCRIPT_CONTAINER)) ?? {};
  const out = new Map<string, ContainerRun>();
  for (const c of containers) out.set(runKey('run', c.name), script);
  if (script.startedAt) {
    for (const c of initContainers)
      out.set(runKey('init', c.name), {
        startedAt: script.startedAt,
        finishedAt: script.startedAt,
        exitCode: 0,
      });
  }
  return out;
}
