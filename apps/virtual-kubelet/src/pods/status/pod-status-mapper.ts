import type { V1Container, V1ContainerStatus, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { PodStatus as RemotePodStatus } from '@interlink/api';
import { kubeTime } from '../../kube/kube-time';
import { isPlainIP } from '../pod-ip';
import { fromRemote, terminatedStatus, waitingStatus } from './container-statuses';
import { appContainersHaveRun, inferredInitStatus, isReportedInitEnd } from './init-inference';
import { buildPodConditions } from './pod-conditions';
import { computePodPhase, type PodPhase } from './pod-phase';

/** What the controller knows about a pod that the plugin cannot tell. */
export type LocalPodState =
  /** Seen, not yet accepted by the plugin (gathering volumes, create in flight). */
  | { kind: 'creating' }
  /** A ConfigMap/Secret the pod needs is missing: kubelet's CreateContainerConfigError. */
  | { kind: 'config-error'; message: string }
  /** The plugin accepted the pod; its status reports drive the pod. */
  | { kind: 'submitted' }
  /** The relay or plugin refused the create; terminal (Failed) or retried (Pending). */
  | { kind: 'create-failed'; message: string; terminal: boolean }
  /** The plugin stopped reporting a pod it had accepted. */
  | { kind: 'lost'; message: string }
  /** Not offloaded on purpose (e.g. DaemonSet pods with SkipDaemonSetPods): Pending with the reason. */
  | { kind: 'held'; reason: string; message: string };

export interface MapperInput {
  /** The pod as the API server has it (spec and current status). */
  pod: V1Pod;
  local: LocalPodState;
  /** The plugin's latest report for this pod, if any. */
  remote?: RemotePodStatus;
  /** Node address, reported as hostIP. */
  hostIP?: string;
  /** Pod address when known (interlink.eu/pod-ip). */
  podIP?: string;
  now: number;
}

export const ContainerReasons = {
  ContainerCreating: 'ContainerCreating',
  PodInitializing: 'PodInitializing',
  CreateContainerConfigError: 'CreateContainerConfigError',
  ProviderFailed: 'ProviderFailed',
  RemoteJobLost: 'RemoteJobLost',
} as const;

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Computes the pod status a kubelet would write, from the plugin's report and the
 * controller's own state. Pure: same input, same output. A pod already Succeeded or Failed
 * never changes phase again.
 */
export class PodStatusMapper {
  map(input: MapperInput): V1PodStatus {
    const { pod, local, now } = input;
    const spec = pod.spec ?? { containers: [] };
    const old = pod.status ?? {};
    if (isTerminalPhase(old.phase)) return old;

    const oldInit = old.initContainerStatuses ?? [];
    const oldRegular = old.containerStatuses ?? [];
    const initSpecs = spec.initContainers ?? [];
    const regularSpecs = spec.containers ?? [];
    const hasInit = initSpecs.length > 0;

    const build = (c: V1Container, isInit: boolean): V1ContainerStatus => {
      const previous = (isInit ? oldInit : oldRegular).find((s) => s.name === c.name);
      const defaultReason = isInit || hasInit ? ContainerReasons.PodInitializing : ContainerReasons.ContainerCreating;
      switch (local.kind) {
        case 'creating':
          return waitingStatus(c, defaultReason);
        case 'config-error':
          return waitingStatus(c, ContainerReasons.CreateContainerConfigError, local.message);
        case 'held':
          return waitingStatus(c, local.reason, local.message);
        case 'create-failed':
          return local.terminal
            ? terminatedStatus(c, 1, ContainerReasons.ProviderFailed, local.message, now, previous)
            : waitingStatus(c, ContainerReasons.ProviderFailed, local.message);
        case 'lost':
          if (previous?.state?.terminated) return previous;
          return terminatedStatus(c, 137, ContainerReasons.RemoteJobLost, local.message, now, previous);
        case 'submitted':
          return submittedStatus({ c, isInit, previous, input, defaultReason, initDone: () => initSpecs.every((ic) => initSucceeded(input, ic.name, oldInit)) });
      }
    };

    const initStatuses = initSpecs.map((c) => build(c, true));
    // The kubelet sorts regular container statuses by name; init containers stay in spec order.
    const statuses = regularSpecs.map((c) => build(c, false)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    let phase: PodPhase;
    let reason: string | undefined;
    let message: string | undefined;
    if (local.kind === 'create-failed') {
      phase = local.terminal ? 'Failed' : 'Pending';
      reason = ContainerReasons.ProviderFailed;
      message = local.message;
    } else if (local.kind === 'held') {
      phase = 'Pending';
      reason = local.reason;
      message = local.message;
    } else if (local.kind === 'lost') {
      phase = 'Failed';
      reason = ContainerReasons.RemoteJobLost;
      message = local.message;
    } else {
      phase = computePodPhase(spec, initStatuses, statuses);
      if (phase === 'Failed') ({ reason, message } = failureCause(initStatuses, statuses));
    }

    const status: V1PodStatus = { ...old, phase };
    delete status.reason;
    delete status.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
    status.conditions = buildPodConditions({
      spec,
      initStatuses,
      statuses,
      phase,
      sandboxReady: local.kind === 'submitted' || local.kind === 'lost',
      existing: old.conditions ?? [],
      now,
    });
    if (hasInit) status.initContainerStatuses = initStatuses;
    else delete status.initContainerStatuses;
    status.containerStatuses = statuses;
    if (!status.startTime) status.startTime = kubeTime(now);
    // hostIP comes from configuration (POD_IP): an invalid one must not make every write fail.
    if (input.hostIP && isPlainIP(input.hostIP)) {
      status.hostIP = input.hostIP;
      status.hostIPs = [{ ip: input.hostIP }];
    }
    if (input.podIP && isPlainIP(input.podIP)) {
      status.podIP = input.podIP;
      status.podIPs = [{ ip: input.podIP }];
    }
    return status;
  }
}

interface SubmittedContainer {
  c: V1Container;
  isInit: boolean;
  previous: V1ContainerStatus | undefined;
  input: MapperInput;
  defaultReason: string;
  /** Every init container of the pod has succeeded (only asked for app containers). */
  initDone: () => boolean;
}

/** A container of a pod the plugin accepted: the plugin's report, else the best honest stand-in. */
function submittedStatus({ c, isInit, previous, input, defaultReason, initDone }: SubmittedContainer): V1ContainerStatus {
  const list = isInit ? input.remote?.initContainers : input.remote?.containers;
  const reported = list?.find((s) => s.name === c.name);
  const mapped = reported ? fromRemote(c, reported, isInit, previous) : undefined;
  if (mapped) return mapped;
  // Init containers a plugin leaves out (issue 16) once the app containers have run.
  if (isInit && appContainersHaveRun(input.remote) && !isReportedInitEnd(previous)) return inferredInitStatus(c, input.remote, input.now);
  // Not (or no longer) reported: keep what the plugin said last rather than flap.
  if (previous && !isDefaultWaiting(previous)) return previous;
  const hasInit = (input.pod.spec?.initContainers ?? []).length > 0;
  return waitingStatus(c, !isInit && hasInit && initDone() ? ContainerReasons.ContainerCreating : defaultReason);
}

function isDefaultWaiting(s: V1ContainerStatus): boolean {
  const r = s.state?.waiting?.reason;
  return (
    r === ContainerReasons.ContainerCreating ||
    r === ContainerReasons.PodInitializing ||
    r === ContainerReasons.CreateContainerConfigError ||
    r === ContainerReasons.ProviderFailed
  );
}

function initSucceeded(input: MapperInput, name: string, oldInit: V1ContainerStatus[]): boolean {
  const reported = input.remote?.initContainers?.find((s) => s.name === name) ?? oldInit.find((s) => s.name === name);
  return Boolean(reported?.state?.terminated && reported.state.terminated.exitCode === 0);
}

/** Pod reason/message from the container that made it fail (OOMKilled, DeadlineExceeded, ...). */
function failureCause(init: V1ContainerStatus[], regular: V1ContainerStatus[]): { reason?: string; message?: string } {
  const failed = [...init, ...regular].find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
  const t = failed?.state?.terminated;
  if (!failed || !t) return {};
  const detail = t.message ? `: ${t.message}` : '';
  return { reason: t.reason || 'Error', message: `container "${failed.name}" exited with code ${t.exitCode}${detail}` };
}
