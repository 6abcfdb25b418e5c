import type {
  V1ContainerState,
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1Pod,
} from '@kubernetes/client-node';
import { makePodStatus, type PodStatus } from '@interlink/api';
import { current, previous, type ContainerInstance, type PodContainers } from '../docker/container-inventory';
import type { InspectCache, InspectFacts } from '../docker/inspect-cache';
import type { PodRuntime } from '../docker/pod-runtime';
import { wireTime } from './wire-time';
import { podJobId } from '../pod/names';

interface SpecContainer {
  name: string;
  image: string;
}

/**
 * Docker containers → PodStatus: one ContainerStatus per init and app container with waiting
 * (with a reason), running (startedAt) or terminated (exit code, Completed/Error/OOMKilled,
 * times, containerID); restartCount and lastState from the previous instance. Uses the list
 * call's data and inspects only what the cache has not seen in its current state.
 */
export class DockerStatusMapper {
  constructor(private readonly inspect: InspectCache) {}

  async podStatus(
    requested: V1Pod,
    rt: PodRuntime | undefined,
    pc: PodContainers | undefined,
    /** performance.now() when the list behind `pc` was sent; default: now (a fresh list). */
    listedAt = performance.now(),
  ): Promise<PodStatus | undefined> {
    // Never created here, its create not arrived yet, or deleted: left out of the answer. A
    // made-up terminated state would read as a final Failed (upstream) or as "the plugin runs it".
    if (!rt && !pc) return undefined;
    const spec = rt?.data?.pod.spec ?? requested.spec;
    const inits = specContainers(spec?.initContainers, pc, 'init');
    const apps = specContainers(spec?.containers, pc, 'app');
    // A list sent before the pod's latest container existed cannot prove that container gone
    // (a burst's status poll overlapping its creates): only a later list can.
    const lost = rt && rt.lastLaunchAt < listedAt ? vanishedStatus(requested, rt, pc, apps) : undefined;
    if (lost) return lost;
    if (apps.length === 0 && inits.length === 0) return undefined;

    const initStatuses: V1ContainerStatus[] = [];
    let initDone = true;
    for (const c of inits) {
      const status = await this.containerStatus(
        c,
        pc,
        rt,
        initDone ? 'ContainerCreating' : 'PodInitializing',
      );
      initStatuses.push(status);
      if (!(status.state?.terminated && status.state.terminated.exitCode === 0)) initDone = false;
    }
    const appStatuses = await Promise.all(
      apps.map((c) => this.containerStatus(c, pc, rt, initDone ? 'ContainerCreating' : 'PodInitializing')),
    );
    const pod = rt?.data?.pod ?? requested;
    const ref = rt?.ref ?? (pc ? { namespace: pc.namespace, podName: pc.podName, uid: pc.uid } : undefined);
    return makePodStatus(pod, {
      JID: ref ? podJobId(ref) : '',
      containers: appStatuses,
      initContainers: initStatuses,
    });
  }

  private async containerStatus(
    c: SpecContainer,
    pc: PodContainers | undefined,
    rt: PodRuntime | undefined,
    defaultReason: string,
  ): Promise<V1ContainerStatus> {
    const cur = current(pc, c.name);
    const prev = previous(pc, c.name);
    const status: V1ContainerStatus = {
      name: c.name,
      state: {},
      lastState: {},
      ready: false,
      restartCount: cur?.attempt ?? 0,
      image: c.image,
      imageID: cur?.imageId ?? '',
      started: false,
    };
    if (prev) status.lastState = { terminated: await this.terminated(prev, rt) };
    if (cur) status.containerID = `docker://${cur.id}`;
    const pending = rt?.waitingFor(c.name);
    if (!cur) {
      status.state = { waiting: pending ?? { reason: defaultReason } };
      return status;
    }
    let state: V1ContainerState;
    const startFailed = cur.state === 'created' && rt?.startFailed.has(cur.id);
    if (cur.state === 'created' && !startFailed) {
      state = { waiting: pending ?? { reason: defaultReason } };
    } else if (cur.state === 'running' || cur.state === 'paused' || cur.state === 'restarting') {
      const facts = await this.inspect.facts(cur);
      state = { running: { startedAt: wireTime(facts.startedAt) } };
      status.ready = cur.state === 'running';
      status.started = true;
    } else {
      const terminated = await this.terminated(cur, rt);
      if (pending?.reason === 'CrashLoopBackOff') {
        status.lastState = { terminated };
        state = { waiting: pending };
      } else {
        state = { terminated };
      }
    }
    status.state = state;
    return status;
  }

  private async terminated(
    inst: ContainerInstance,
    rt: PodRuntime | undefined,
  ): Promise<V1ContainerStateTerminated> {
    const facts = await this.inspect.facts(inst);
    return terminatedState(inst, facts, inst.state === 'created' && Boolean(rt?.startFailed.has(inst.id)));
  }
}

export function terminatedState(
  inst: ContainerInstance,
  facts: InspectFacts,
  startFailed: boolean,
): V1ContainerStateTerminated {
  const t: V1ContainerStateTerminated = {
    exitCode: startFailed && facts.exitCode === 0 ? 128 : facts.exitCode,
    reason: facts.oomKilled
      ? 'OOMKilled'
      : startFailed
        ? 'StartError'
        : facts.exitCode === 0
          ? 'Completed'
          : 'Error',
    startedAt: wireTime(facts.startedAt),
    finishedAt: wireTime(facts.finishedAt),
    containerID: `docker://${inst.id}`,
  };
  if (facts.error) t.message = facts.error;
  return t;
}

function specContainers(
  list: Array<{ name: string; image?: string }> | undefined,
  pc: PodContainers | undefined,
  role: 'init' | 'app',
): SpecContainer[] {
  if (list) return list.map((c) => ({ name: c.name, image: c.image ?? '' }));
  // No spec at all (pod adopted from Docker without its stored request): fall back to labels.
  const found = [...(pc?.instances.values() ?? [])]
    .map((l) => l[l.length - 1])
    .filter((i): i is ContainerInstance => i?.role === role);
  return found.sort((a, b) => a.index - b.index).map((i) => ({ name: i.container, image: i.image }));
}

/** The terminated status of a pod this sidecar created whose containers are all gone. */
function vanishedStatus(
  requested: V1Pod,
  rt: PodRuntime | undefined,
  pc: PodContainers | undefined,
  apps: SpecContainer[],
): PodStatus | undefined {
  if (!rt || pc) return undefined;
  const message = vanishedMessage(rt);
  if (!message) return undefined;
  return lostStatus(rt.data?.pod ?? requested, apps, { message, jid: podJobId(rt.ref) });
}

/**
 * Why a pod this sidecar created has no container at all, or undefined when that is expected:
 * a pod with a sandbox always has one once created; a sandbox-less pod may still be pulling.
 */
function vanishedMessage(rt: PodRuntime): string | undefined {
  if (rt.lost) return rt.lost;
  if (!rt.sandboxId && rt.launched.size === 0) return undefined;
  return 'The Docker sidecar created this pod but its containers are gone: they were removed outside interLink (no /delete arrived)';
}

/** A pod the sidecar created whose containers vanished: say so, as the kubelet does. */
function lostStatus(
  pod: V1Pod,
  apps: SpecContainer[],
  { message, jid }: { message: string; jid: string },
): PodStatus | undefined {
  if (apps.length === 0) return undefined;
  const lost = (c: SpecContainer): V1ContainerStatus => ({
    name: c.name,
    state: {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message,
      },
    },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image,
    imageID: '',
  });
  const inits = (pod.spec?.initContainers ?? []).map((c) => lost({ name: c.name, image: c.image ?? '' }));
  return makePodStatus(pod, { JID: jid, containers: apps.map(lost), initContainers: inits });
}
