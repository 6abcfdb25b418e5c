import { PodSpecError } from './annotations';

export interface JobUserInput {
  /** runtime "none" or a jobScript: the pod's commands run on the Slurm node itself */
  runsOnHost: boolean;
  /** runAsUser, else the flavor's UID, else DefaultUID (undefined: none of them) */
  jobUid: number | undefined;
  /** the sidecar's own uid: sbatch submits as it when no other user is named */
  processUid: number | undefined;
  /** AllowRootWithRuntimeNone */
  allowRoot: boolean;
}

/**
 * Without a container a job running as root owns the Slurm node (and, on a shared filesystem,
 * every other job's files), so it runs only when the administrator said so. The job runs as
 * the named user, else as whoever submits it: the sidecar.
 */
export function checkJobUser(input: JobUserInput): void {
  if (!input.runsOnHost || input.allowRoot) return;
  const uid = input.jobUid ?? input.processUid;
  if (uid !== 0) return;
  const why =
    input.jobUid === 0
      ? 'securityContext.runAsUser (or the flavor UID or DefaultUID) is 0'
      : 'no securityContext.runAsUser, flavor UID or DefaultUID is set and the sidecar submits as root';
  throw new PodSpecError(
    `the pod would run as root (uid 0) directly on the Slurm node: runtime "none" runs its commands without a container and ${why}; ` +
      'set spec.securityContext.runAsUser to a non-root uid, or the administrator sets DefaultUID, ' +
      'or allows it with AllowRootWithRuntimeNone: true',
  );
}
