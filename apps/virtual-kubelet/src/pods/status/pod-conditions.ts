import type { V1ContainerStatus, V1PodCondition, V1PodSpec } from '@kubernetes/client-node';
import { kubeTime } from '../../kube/kube-time';
import { isRestartableInit, type PodPhase } from './pod-phase';

/** The pod conditions the kubelet owns; every other condition (PodScheduled, DisruptionTarget, gates) is preserved. */
export const OWNED_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready'] as const;

interface Cond {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

function byName(statuses: V1ContainerStatus[], name: string): V1ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Go's fmt of a []string: [a b c]. */
function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

function initializedCondition(spec: V1PodSpec, init: V1ContainerStatus[], regular: V1ContainerStatus[], phase: PodPhase): Cond {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = byName(init, c.name);
    if (!s) {
      unknown.push(c.name);
    } else if (isRestartableInit(c)) {
      if (!s.started) incomplete.push(c.name);
    } else if (!s.state?.terminated || s.state.terminated.exitCode !== 0) {
      incomplete.push(c.name);
    }
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  const regularNames = new Set((spec.containers ?? []).map((c) => c.name));
  if (regular.some((s) => regularNames.has(s.name) && (s.state?.running || s.state?.terminated))) {
    return { type: 'Initialized', status: 'True' };
  }
  const parts: string[] = [];
  if (unknown.length) parts.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) parts.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (parts.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: parts.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

function containersReadyCondition(spec: V1PodSpec, init: V1ContainerStatus[], regular: V1ContainerStatus[], phase: PodPhase): Cond {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of (spec.initContainers ?? []).filter(isRestartableInit)) {
    const s = byName(init, c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  for (const c of spec.containers ?? []) {
    const s = byName(regular, c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) {
    return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  }
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const parts: string[] = [];
  if (unknown.length) parts.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) parts.push(`containers with unready status: ${goList(unready)}`);
  if (parts.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: parts.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(spec: V1PodSpec, containersReady: Cond, existing: V1PodCondition[]): Cond {
  if (containersReady.status !== 'True') {
    return { type: 'Ready', status: 'False', reason: containersReady.reason, message: containersReady.message };
  }
  const problems: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = existing.find((x) => x.type === gate.conditionType);
    if (!c) problems.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') {
      problems.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
  }
  if (problems.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: problems.join(', ') };
  return { type: 'Ready', status: 'True' };
}

export interface ConditionInputs {
  spec: V1PodSpec;
  initStatuses: V1ContainerStatus[];
  statuses: V1ContainerStatus[];
  phase: PodPhase;
  /** The remote side accepted the pod (our equivalent of a ready sandbox). */
  sandboxReady: boolean;
  existing: V1PodCondition[];
  now: number;
}

/**
 * The kubelet's pod conditions with honest transition times: lastTransitionTime moves only
 * when a condition's status changes. Conditions owned by others keep their place and value.
 */
export function buildPodConditions(input: ConditionInputs): V1PodCondition[] {
  const { spec, initStatuses, statuses, phase, existing } = input;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = containersReadyCondition(spec, initStatuses, statuses, phase);
  const owned: Cond[] = [
    { type: 'PodReadyToStartContainers', status: input.sandboxReady && !terminal ? 'True' : 'False' },
    initializedCondition(spec, initStatuses, statuses, phase),
    containersReady,
    readyCondition(spec, containersReady, existing),
  ];
  const stamp = kubeTime(input.now);
  const merged = (c: Cond): V1PodCondition => {
    const prev = existing.find((x) => x.type === c.type);
    const out: V1PodCondition = {
      type: c.type,
      status: c.status,
      lastProbeTime: null as unknown as Date,
      lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp,
    };
    if (c.reason) out.reason = c.reason;
    if (c.message) out.message = c.message;
    return out;
  };
  const ownedTypes = new Set<string>(OWNED_CONDITIONS);
  const result: V1PodCondition[] = [];
  const placed = new Set<string>();
  for (const c of existing) {
    if (!ownedTypes.has(c.type)) result.push(c);
  }
  for (const c of owned) {
    result.push(merged(c));
    placed.add(c.type);
  }
  // Kubelet order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, others.
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  return result.sort((a, b) => rank(a.type) - rank(b.type));
}
