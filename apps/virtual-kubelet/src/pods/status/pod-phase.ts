import type { V1ContainerStatus, V1PodSpec } from '@kubernetes/client-node';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

function statusOf(statuses: V1ContainerStatus[], name: string): V1ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Sidecar init containers (restartPolicy: Always on an init container) keep running beside the app. */
export function isRestartableInit(container: { restartPolicy?: string }): boolean {
  return container.restartPolicy === 'Always';
}

/**
 * The pod phase exactly as the kubelet's getPhase computes it from container statuses and the
 * pod's restartPolicy. Restarts are the plugin's business (it reports them through
 * restartCount/lastState), so a stopped container under Always/OnFailure keeps the pod Running.
 */
export function computePodPhase(
  spec: V1PodSpec,
  initStatuses: V1ContainerStatus[],
  statuses: V1ContainerStatus[],
): PodPhase {
  const restartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  let pendingSidecars = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;

  for (const c of spec.initContainers ?? []) {
    const s = statusOf(initStatuses, c.name);
    const st = s?.state;
    if (isRestartableInit(c)) {
      // Sidecars count like regular containers, except that their exits are ignored.
      if (!s || !st) unknown++;
      else if (st.running) {
        if (!s.started) pendingSidecars++;
        running++;
      } else if (st.terminated) {
        continue;
      } else if (st.waiting) {
        if (!s.lastState?.terminated) {
          pendingSidecars++;
          waiting++;
        }
      } else unknown++;
      continue;
    }
    if (!s || !st) pendingInit++;
    else if (st.running) pendingInit++;
    else if (st.terminated && st.terminated.exitCode === 0) continue;
    else if (st.terminated) failedInit++;
    else if (st.waiting) {
      if (s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
      else pendingInit++;
    } else pendingInit++;
  }

  for (const c of spec.containers ?? []) {
    const s = statusOf(statuses, c.name);
    const st = s?.state;
    if (!s || !st) unknown++;
    else if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (st.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || pendingSidecars > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
