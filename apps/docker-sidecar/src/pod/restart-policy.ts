import type { V1Pod } from '@kubernetes/client-node';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export function restartPolicyOf(pod: V1Pod): RestartPolicy {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Whether a container that exited with `exitCode` is started again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export interface BackoffSettings {
  /** First back-off (kubelet: 10 s). */
  baseMs: number;
  /** Cap (kubelet: 300 s). */
  maxMs: number;
  /** A container that ran this long resets the back-off (kubelet: 10 min). */
  resetAfterMs: number;
}

/**
 * Kubelet back-off: the first restart is immediate, then 10 s, 20 s, 40 s ... up to 5 min; a
 * container that ran long enough starts over. `restarts` is how often it was restarted already.
 */
export function restartDelayMs(restarts: number, ranForMs: number, s: BackoffSettings): number {
  if (restarts === 0 || ranForMs >= s.resetAfterMs) return 0;
  return Math.min(s.baseMs * 2 ** (restarts - 1), s.maxMs);
}

/** Image pull back-off: every failed pull doubles the wait (kubelet uses the same 10 s .. 5 min). */
export function pullRetryDelayMs(failures: number, s: BackoffSettings): number {
  return Math.min(s.baseMs * 2 ** Math.max(0, failures - 1), s.maxMs);
}
