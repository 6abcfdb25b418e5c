import type { V1ContainerState, V1ContainerStatus } from '@kubernetes/client-node';
import type { PodStatus } from '@interlink/api';
import { isTerminalState, type SlurmJobInfo } from '../slurm/slurm-records';
import type { ContainerKind } from '../store/job-files';
import { runKey, type ContainerRun } from './container-files';

/** What is known about the pod's Slurm job at this poll. */
export type JobView =
  | { kind: 'submitting' }
  | { kind: 'slurm'; info: SlurmJobInfo }
  /** Slurm no longer knows the job and has no accounting record */
  | { kind: 'gone' };

export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  jobId?: string;
  initContainers: { name: string; image?: string }[];
  containers: { name: string; image?: string }[];
}

interface StateReason {
  reason: string;
  message: string;
  /** exit code for containers that have no exit-code file */
  defaultExit: number;
}

/** Why a job ended, in words a pod status can carry. */
export function terminalReason(info: SlurmJobInfo | undefined, jobId: string | undefined): StateReason {
  const id = jobId ?? '?';
  const st = info?.state ?? 'UNKNOWN';
  const signalled = info?.exitSignal ? 128 + info.exitSignal : undefined;
  const fromSlurm = signalled ?? (info?.exitCode ? info.exitCode : undefined);
  const table: Record<string, [string, string, number]> = {
    TIMEOUT: ['SlurmJobTimeout', `Slurm job ${id} reached its time limit`, 143],
    OUT_OF_MEMORY: ['OOMKilled', `Slurm job ${id} was killed for exceeding its memory limit`, 137],
    CANCELLED: ['SlurmJobCancelled', `Slurm job ${id} was cancelled`, 143],
    NODE_FAIL: ['SlurmNodeFail', `Slurm job ${id} ended because its node failed`, 1],
    PREEMPTED: ['SlurmJobPreempted', `Slurm job ${id} was preempted`, 143],
    BOOT_FAIL: ['SlurmBootFail', `Slurm job ${id} could not start: node boot failure`, 1],
    DEADLINE: ['DeadlineExceeded', `Slurm job ${id} reached its deadline`, 143],
    REVOKED: ['SlurmJobRevoked', `Slurm job ${id} was revoked`, 1],
    FAILED: [
      'Error',
      `Slurm job ${id} failed${info?.reason && info.reason !== 'None' ? ` (${info.reason})` : ''}`,
      1,
    ],
    SPECIAL_EXIT: ['Error', `Slurm job ${id} ended with a special exit`, 1],
    COMPLETED: ['Completed', `Slurm job ${id} completed`, 0],
    UNKNOWN: ['SlurmJobLost', `Slurm job ${id} left the queue without an accounting record or exit code`, 1],
  };
  const [reason, message, def] = table[st] ?? ['Error', `Slurm job ${id} ended in state ${st}`, 1];
  return { reason, message, defaultExit: fromSlurm ?? def };
}

const time = (d: Date | undefined): string | undefined =>
  d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;

function status(
  name: string,
  image: string | undefined,
  state: V1ContainerState,
  ready = false,
): V1ContainerStatus {
  return {
    name,
    state,
    lastState: {},
    ready,
    restartCount: 0,
    image: image ?? '',
    imageID: '',
    started: !!state.running,
  };
}

function terminated(
  run: ContainerRun,
  exitCode: number,
  reason: string,
  message: string | undefined,
  fallbackEnd?: Date,
): V1ContainerState {
  const startedAt = time(run.startedAt);
  const finishedAt = time(run.finishedAt ?? fallbackEnd);
  return {
    terminated: {
      exitCode,
      reason,
      ...(message ? { message } : {}),
      ...(startedAt ? { startedAt: startedAt as unknown as Date } : {}),
      ...(finishedAt ? { finishedAt: finishedAt as unknown as Date } : {}),
    },
  };
}

/**
 * One pod's status from its Slurm job state and the files its job script wrote. The files
 * are the most precise source (real start/finish times and exit code per container); Slurm's
 * state decides what containers without files are doing and why the job ended.
 */
export function mapPodStatus(pod: PodIdentity, job: JobView, runs: Map<string, ContainerRun>): PodStatus {
  const run = (kind: ContainerKind, name: string): ContainerRun => runs.get(runKey(kind, name)) ?? {};
  const info = job.kind === 'slurm' ? job.info : undefined;
  const state = info?.state;
  const ended = job.kind === 'gone' || (state !== undefined && isTerminalState(state));
  const pending =
    job.kind === 'submitting' ||
    (!ended &&
      (state === 'PENDING' ||
        state === 'CONFIGURING' ||
        state?.startsWith('REQUEUE') ||
        state === 'RESV_DEL_HOLD'));
  const end = terminalReason(info, pod.jobId);

  if (pending) {
    const slurmReason = info?.reason && info.reason !== 'None' ? info.reason : 'SlurmPending';
    const waiting: V1ContainerState = {
      waiting:
        job.kind === 'submitting'
          ? { reason: 'Submitting', message: 'the job is being submitted to Slurm' }
          : {
              reason: slurmReason,
              message: `Slurm job ${pod.jobId ?? '?'} is pending (reason: ${info?.reason ?? 'None'})`,
            },
    };
    return {
      name: pod.name,
      UID: pod.uid,
      namespace: pod.namespace,
      JID: pod.jobId ?? '',
      initContainers: pod.initContainers.map((c) => status(c.name, c.image, waiting)),
      containers: pod.containers.map((c) => status(c.name, c.image, waiting)),
    };
  }

  // A terminated container's reason: its own success, else why the job ended.
  const finishedReason = (code: number): [string, string | undefined] =>
    code === 0
      ? ['Completed', undefined]
      : ['Completed', 'Error', 'SlurmJobLost'].includes(end.reason)
        ? ['Error', undefined]
        : [end.reason, end.message];

  let failedInit: { name: string; code: number } | undefined;
  let initRunning = false;
  const initStatuses = pod.initContainers.map((c) => {
    const r = run('init', c.name);
    if (r.exitCode !== undefined) {
      if (r.exitCode !== 0 && !failedInit) failedInit = { name: c.name, code: r.exitCode };
      const [reason, message] = finishedReason(r.exitCode);
      return status(c.name, c.image, terminated(r, r.exitCode, reason, message));
    }
    if (ended && failedInit && !r.startedAt) return status(c.name, c.image, neverLeftInit(failedInit));
    if (ended) {
      if (r.startedAt)
        return status(
          c.name,
          c.image,
          terminated(r, end.defaultExit, end.reason, end.message, info?.endTime),
        );
      return status(
        c.name,
        c.image,
        terminated(r, end.defaultExit, end.reason, `${end.message}; container never started`, info?.endTime),
      );
    }
    if (r.startedAt && !failedInit) {
      initRunning = true;
      return status(c.name, c.image, { running: { startedAt: time(r.startedAt) as unknown as Date } }, true);
    }
    return status(c.name, c.image, { waiting: { reason: 'PodInitializing' } });
  });

  const containerStatuses = pod.containers.map((c) => {
    const r = run('run', c.name);
    // While Slurm is still ending the job, a container killed by a signal may have been
    // killed for a reason (cancel, timeout) that Slurm has not reported yet: keep it running
    // for that brief moment instead of reporting a reason that changes a second later.
    if (r.exitCode !== undefined && r.exitCode > 128 && state === 'COMPLETING' && r.startedAt) {
      return status(c.name, c.image, { running: { startedAt: time(r.startedAt) as unknown as Date } }, true);
    }
    if (r.exitCode !== undefined) {
      const [reason, message] = finishedReason(r.exitCode);
      return status(c.name, c.image, terminated(r, r.exitCode, reason, message));
    }
    if (ended) {
      if (failedInit) return status(c.name, c.image, neverLeftInit(failedInit));
      const msg = r.startedAt ? end.message : `${end.message}; container never started`;
      return status(c.name, c.image, terminated(r, end.defaultExit, end.reason, msg, info?.endTime));
    }
    if (r.startedAt)
      return status(c.name, c.image, { running: { startedAt: time(r.startedAt) as unknown as Date } }, true);
    return status(c.name, c.image, {
      waiting: {
        reason: initRunning || pod.initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating',
      },
    });
  });

  return {
    name: pod.name,
    UID: pod.uid,
    namespace: pod.namespace,
    JID: pod.jobId ?? '',
    initContainers: initStatuses,
    containers: containerStatuses,
  };
}

/** As the kubelet shows a container after a failed init container: it never left PodInitializing. */
function neverLeftInit(failed: { name: string; code: number }): V1ContainerState {
  const message = `init container "${failed.name}" failed with exit code ${failed.code}; container never started`;
  return { waiting: { reason: 'PodInitializing', message } };
}
