import type { V1Container, V1ContainerStatus } from '@kubernetes/client-node';
import type { PodStatus as RemotePodStatus } from '@interlink/api';
import { kubeTime } from '../../kube/kube-time';
import { isRestartableInit } from './pod-phase';

/** Reason of an init container status the node controller inferred because the plugin left it out. */
export const INFERRED_INIT_REASON = 'Completed';
export const INFERRED_INIT_MESSAGE =
  'the plugin reports no status for this init container; the app containers have started, so it completed';

/** The plugin reports an app container that is running or has run (now or in its last state). */
export function appContainersHaveRun(remote: RemotePodStatus | undefined): boolean {
  return (remote?.containers ?? []).some(
    (s) => Boolean(s?.state?.running || s?.state?.terminated || s?.lastState?.terminated),
  );
}

/**
 * Issue 16: plugins may answer `initContainers: null` (upstream's Slurm plugin always does).
 * The kubelet starts app containers only after every init container succeeded, so once the
 * plugin reports an app container that has run, an init container it leaves out must have
 * completed (a sidecar init container, restartPolicy Always, runs beside the app while any
 * app container runs). Without this the pod would wait for init statuses that never come and
 * stay Pending for ever. A plugin that does report init statuses is mapped exactly as before.
 */
export function inferredInitStatus(c: V1Container, remote: RemotePodStatus | undefined, now: number): V1ContainerStatus {
  const running = (remote?.containers ?? []).find((s) => Boolean(s?.state?.running));
  const base = { name: c.name, lastState: {}, restartCount: 0, image: c.image ?? '', imageID: '' };
  if (isRestartableInit(c) && running) {
    // Same start time as the app container, so the status does not change on every poll.
    const startedAt = running.state?.running?.startedAt ?? kubeTime(now);
    return { ...base, state: { running: { startedAt } }, ready: true, started: true };
  }
  return {
    ...base,
    state: { terminated: { exitCode: 0, reason: INFERRED_INIT_REASON, message: INFERRED_INIT_MESSAGE } },
    ready: !isRestartableInit(c),
    started: false,
  };
}

/**
 * A terminated init status the plugin itself reported earlier: kept (with its container id and
 * times) rather than replaced by an inferred one when a later answer leaves init containers out.
 */
export function isReportedInitEnd(s: V1ContainerStatus | undefined): boolean {
  return Boolean(s?.state?.terminated) && s?.state?.terminated?.message !== INFERRED_INIT_MESSAGE;
}
