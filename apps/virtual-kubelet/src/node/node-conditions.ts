import type { V1NodeCondition } from '@kubernetes/client-node';
import { kubeTime } from '../kube/kube-time';

export interface Connectivity {
  /** Ready as decided after debouncing. */
  ready: boolean;
  /** Why not ready (names the failing part), or a short ready message. */
  readyMessage: string;
  /** Result of the last ping: undefined before the first one. */
  lastPing?: { ok: boolean; message: string };
}

export const INTERLINK_CONNECTIVITY = 'InterlinkConnectivity';

interface Cond {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * The node's conditions with honest reasons. The virtual node has no memory, disk or PID
 * pressure of its own and no routes to lose, so those are constantly False.
 * lastTransitionTime only moves when a condition's status changes.
 */
export function buildNodeConditions(c: Connectivity, existing: V1NodeCondition[], now: number): V1NodeCondition[] {
  const conds: Cond[] = [
    c.ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: c.readyMessage }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: c.readyMessage },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'virtual node: pod networking is provided by the remote side' },
  ];
  if (c.lastPing) {
    conds.push(
      c.lastPing.ok
        ? { type: INTERLINK_CONNECTIVITY, status: 'True', reason: 'InterlinkPingSuccessful', message: c.lastPing.message }
        : { type: INTERLINK_CONNECTIVITY, status: 'False', reason: 'InterlinkPingFailed', message: c.lastPing.message },
    );
  }
  const stamp = kubeTime(now);
  return conds.map((x) => {
    const prev = existing.find((e) => e.type === x.type);
    return {
      type: x.type,
      status: x.status,
      reason: x.reason,
      message: x.message,
      lastHeartbeatTime: stamp,
      lastTransitionTime: prev && prev.status === x.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp,
    };
  });
}

/** Conditions compared without heartbeat times: a change means the node status must be written now. */
export function conditionsDiffer(a: V1NodeCondition[], b: V1NodeCondition[]): boolean {
  const key = (l: V1NodeCondition[]) =>
    JSON.stringify(
      [...l].sort((x, y) => (x.type < y.type ? -1 : 1)).map((c) => [c.type, c.status, c.reason, c.message]),
    );
  return key(a) !== key(b);
}
