import type { V1Container, V1ContainerState, V1ContainerStatus } from '@kubernetes/client-node';
import { kubeTime } from '../../kube/kube-time';

/** Exactly one of waiting/running/terminated (the API server rejects two); terminated wins, then running. */
export function singleState(state: V1ContainerState | undefined | null): V1ContainerState | undefined {
  if (!state) return undefined;
  if (state.terminated) {
    const t = { ...state.terminated };
    if (typeof t.exitCode !== 'number') t.exitCode = 0;
    if (!t.reason) t.reason = t.exitCode === 0 ? 'Completed' : 'Error';
    return { terminated: t };
  }
  if (state.running) return { running: { ...state.running } };
  if (state.waiting) return { waiting: { ...state.waiting } };
  return undefined;
}

export function waitingStatus(c: V1Container, reason: string, message?: string): V1ContainerStatus {
  const waiting: { reason: string; message?: string } = { reason };
  if (message) waiting.message = message;
  return {
    name: c.name,
    state: { waiting },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image ?? '',
    imageID: '',
    started: false,
  };
}

export function terminatedStatus(
  c: V1Container,
  exitCode: number,
  reason: string,
  message: string,
  now: number,
  previous?: V1ContainerStatus,
): V1ContainerStatus {
  const startedAt = previous?.state?.running?.startedAt ?? null;
  return {
    name: c.name,
    state: {
      terminated: { exitCode, reason, message, startedAt: startedAt as unknown as Date, finishedAt: kubeTime(now) },
    },
    lastState: previous?.lastState ?? {},
    ready: false,
    restartCount: previous?.restartCount ?? 0,
    image: previous?.image || c.image || '',
    imageID: previous?.imageID ?? '',
    ...(previous?.containerID ? { containerID: previous.containerID } : {}),
    started: false,
  };
}

/**
 * A plugin-reported container status shaped the way the kubelet writes one: the plugin's
 * state, reasons and messages are kept; ready/started follow the kubelet's rules (no probe
 * means ready once running; with a probe the plugin's verdict counts).
 */
export function fromRemote(
  c: V1Container,
  remote: V1ContainerStatus,
  isInit: boolean,
  previous: V1ContainerStatus | undefined,
): V1ContainerStatus | undefined {
  const state = singleState(remote.state);
  if (!state) return undefined;
  const running = Boolean(state.running);
  let ready: boolean;
  let started: boolean;
  if (isInit && c.restartPolicy !== 'Always') {
    ready = Boolean(state.terminated && state.terminated.exitCode === 0);
    started = running;
  } else {
    ready = running && (c.readinessProbe ? remote.ready === true : true);
    started = running && (c.startupProbe ? (remote.started ?? remote.ready) === true : true);
  }
  const out: V1ContainerStatus = {
    name: c.name,
    state,
    lastState: singleState(remote.lastState) ?? {},
    ready,
    restartCount: Math.max(remote.restartCount ?? 0, previous?.restartCount ?? 0),
    image: remote.image || c.image || '',
    imageID: remote.imageID ?? '',
    started,
  };
  const containerID = remote.containerID || state.terminated?.containerID;
  if (containerID) out.containerID = containerID;
  return out;
}
