import type Docker from 'dockerode';
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { buildContainerSpec } from '../pod/container-spec-builder';
import { ContainerConfigError, resolveEnv } from '../pod/env-resolver';
import { splitPodGpus } from '../pod/gpu-allocator';
import type { GpuAllocator } from '../pod/gpu-allocator';
import { gpuCount } from '../pod/resource-mapper';
import { PodSpecError } from '../pod/pod-spec-error';
import {
  pullRetryDelayMs,
  restartDelayMs,
  restartPolicyOf,
  shouldRestart,
  type BackoffSettings,
} from '../pod/restart-policy';
import { shippedObjects } from '../pod/volume-planner';
import { networkOwnerConfig } from '../pod/pod-sandbox-spec';
import {
  current,
  type ContainerInstance,
  type ContainerInventory,
  type PodContainers,
} from './container-inventory';
import { pullPolicyOf } from './image-ref';
import { dockerMessage, ImagePullError, type ImagePuller } from './image-puller';
import type { InspectCache, InspectFacts } from './inspect-cache';
import type { PodRuntime } from './pod-runtime';
import { KeyedWorkQueue } from './work-queue';

export interface LifecycleSettings {
  sidecar: string;
  /** Network of pods that own their network namespace (no sandbox). */
  podNetwork: string;
  restartBackoff: BackoffSettings;
  pullBackoff: BackoffSettings;
  logMaxSize: string;
  logMaxFiles: number;
  nodeCpuCores: number;
  nodeMemoryBytes: number;
  /** Pods reconciled at the same time. */
  concurrency: number;
}

type Outcome = { kind: 'created' } | { kind: 'running' } | { kind: 'exited'; facts: InspectFacts };

/**
 * Drives each pod towards its spec, kubelet style, from what Docker shows: init containers one
 * at a time in order (each must exit 0), then the app containers; exited containers restarted
 * per restartPolicy with back-off, each restart a new container instance so the previous one
 * keeps its exit status and logs. Idempotent: it runs after create, on container events, on
 * timers and periodically, and after a sidecar restart it simply continues.
 */
export class PodLifecycle {
  private readonly queue: KeyedWorkQueue;
  private readonly exitHints = new Set<string>();
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    private readonly inventory: ContainerInventory,
    private readonly inspect: InspectCache,
    private readonly puller: ImagePuller,
    private readonly gpus: GpuAllocator,
    private readonly runtimes: ReadonlyMap<string, PodRuntime>,
    private readonly sandboxIp: (sandboxId: string) => Promise<string | undefined>,
    private readonly settings: LifecycleSettings,
    private readonly logger: Logger,
  ) {
    this.queue = new KeyedWorkQueue(
      (uid) => this.reconcile(uid),
      settings.concurrency,
      (uid, err) => this.logger.error('reconcile failed', { uid, err }),
    );
  }

  enqueue(uid: string): void {
    if (!this.stopped) this.queue.enqueue(uid);
  }

  /** No new work; resolves when running reconciles have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.idle();
  }

  /**
   * A `die` event arrived. The engine emits it before its list view shows the container as
   * exited, so the next reconcile asks the container itself instead of trusting "running".
   */
  notifyExit(uid: string, id: string): void {
    this.exitHints.add(id);
    this.enqueue(uid);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(uid: string): Promise<void> {
    const rt = this.runtimes.get(uid);
    if (!rt?.data || rt.deleting || this.stopped) return;
    const pc = await this.inventory.listPod(uid);
    if (rt.deleting) return;
    this.logger.debug('reconciling pod', {
      uid,
      containers: [...(pc?.instances.values() ?? [])]
        .flat()
        .map((i) => `${i.container}#${i.attempt}:${i.state}`),
    });
    if (rt.sandboxId && !pc?.sandbox) {
      this.logger.warn('pod sandbox is gone; containers are not started again', {
        uid,
        pod: rt.ref.podName,
        namespace: rt.ref.namespace,
      });
      return;
    }
    if (pc?.sandbox && pc.sandbox.state !== 'running') {
      await this.docker.getContainer(pc.sandbox.id).start();
      this.inspect.forget(pc.sandbox.id);
    }
    const spec = rt.data.pod.spec;
    const policy = restartPolicyOf(rt.data.pod);
    const inits = spec?.initContainers ?? [];
    for (let i = 0; i < inits.length; i++) {
      const c = inits[i] as V1Container;
      const cur = current(pc, c.name);
      if (!cur) return this.launch(rt, c, 'init', i, 0);
      const outcome = await this.outcome(rt, cur);
      if (outcome.kind === 'created') return this.startInstance(rt, cur.id);
      if (outcome.kind === 'running') return;
      if (outcome.facts.exitCode === 0 && !rt.startFailed.has(cur.id)) continue;
      if (policy === 'Never') return; // the pod has failed; app containers never start
      return this.restartLater(rt, pc, c, 'init', i, cur, outcome.facts);
    }
    await Promise.all(
      (spec?.containers ?? []).map(async (c, j) => {
        const cur = current(pc, c.name);
        if (!cur) return this.launch(rt, c, 'app', j, 0);
        const outcome = await this.outcome(rt, cur);
        if (outcome.kind === 'created') return this.startInstance(rt, cur.id);
        if (outcome.kind === 'running') return;
        const exitCode = rt.startFailed.has(cur.id) ? outcome.facts.exitCode || 128 : outcome.facts.exitCode;
        if (shouldRestart(policy, exitCode))
          return this.restartLater(rt, pc, c, 'app', j, cur, outcome.facts);
      }),
    );
  }

  private async outcome(rt: PodRuntime, cur: ContainerInstance): Promise<Outcome> {
    if (cur.state === 'created')
      return rt.startFailed.has(cur.id)
        ? { kind: 'exited', facts: await this.inspect.facts(cur) }
        : { kind: 'created' };
    if (cur.state === 'exited' || cur.state === 'dead')
      return { kind: 'exited', facts: await this.inspect.facts(cur) };
    if (this.exitHints.has(cur.id)) {
      const info = await this.docker.getContainer(cur.id).inspect();
      const facts = this.inspect.remember(info);
      if (info.State.Status === 'exited' || info.State.Status === 'dead') {
        this.exitHints.delete(cur.id);
        return { kind: 'exited', facts };
      }
      if (!info.State.Running) this.exitHints.delete(cur.id);
    }
    return { kind: 'running' };
  }

  private async restartLater(
    rt: PodRuntime,
    pc: PodContainers | undefined,
    c: V1Container,
    role: 'init' | 'app',
    index: number,
    cur: ContainerInstance,
    facts: InspectFacts,
  ): Promise<void> {
    const finished = facts.finishedAt
      ? Date.parse(facts.finishedAt)
      : (rt.startFailed.get(cur.id) ?? Date.now());
    const ranFor = facts.startedAt ? finished - Date.parse(facts.startedAt) : 0;
    const delay = restartDelayMs(cur.attempt, ranFor, this.settings.restartBackoff);
    const dueAt = finished + delay;
    if (Date.now() < dueAt) {
      const { podName, namespace, uid } = rt.ref;
      rt.crashLoop.set(c.name, {
        dueAt,
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${podName}_${namespace}(${uid})`,
      });
      rt.wakeAt(dueAt, () => this.enqueue(uid));
      return;
    }
    rt.crashLoop.delete(c.name);
    // Keep the instance being replaced (Previous logs, lastState); older ones go first, so at
    // most two instances of a container exist at any time.
    const stale = (pc?.instances.get(c.name) ?? []).filter((i) => i.attempt < cur.attempt);
    await Promise.all(
      stale.map((i) =>
        this.docker
          .getContainer(i.id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    await this.launch(rt, c, role, index, cur.attempt + 1);
  }

  /** Pull (per policy, with back-off), resolve env, create and start one container instance. */
  private async launch(
    rt: PodRuntime,
    c: V1Container,
    role: 'init' | 'app',
    index: number,
    attempt: number,
  ): Promise<void> {
    const data = rt.data;
    if (!data) return;
    const uid = rt.ref.uid;
    const failed = rt.pullFailures.get(c.name);
    if (failed && Date.now() < failed.retryAt) {
      rt.wakeAt(failed.retryAt, () => this.enqueue(uid));
      return;
    }
    let imageUser: string;
    try {
      imageUser = (await this.puller.ensure(c.image ?? '', pullPolicyOf(c))).user;
      rt.pullFailures.delete(c.name);
      rt.waiting.delete(c.name);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      const failures = (failed?.failures ?? 0) + 1;
      const retryAt = Date.now() + pullRetryDelayMs(failures, this.settings.pullBackoff);
      rt.pullFailures.set(c.name, { failures, retryAt });
      const reason =
        err.reason === 'ErrImageNeverPull'
          ? err.reason
          : failures === 1
            ? 'ErrImagePull'
            : 'ImagePullBackOff';
      rt.waiting.set(c.name, { reason, message: err.message });
      rt.wakeAt(retryAt, () => this.enqueue(uid));
      return;
    }
    if (rt.deleting) return;
    let spec: Docker.ContainerCreateOptions;
    try {
      const shipped = shippedObjects(data);
      // Only a downward-API reference needs the pod IP: spare the inspect otherwise.
      if (
        rt.podIP === undefined &&
        c.env?.some((e) => e.valueFrom?.fieldRef?.fieldPath?.startsWith('status.podIP'))
      ) {
        rt.podIP = await this.sandboxIp(rt.sandboxId);
      }
      const env = resolveEnv(c, {
        pod: data.pod,
        configMaps: shipped.configMaps,
        secrets: shipped.secrets,
        ...(rt.podIP ? { podIP: rt.podIP } : {}),
        nodeCpuCores: this.settings.nodeCpuCores,
        nodeMemoryBytes: this.settings.nodeMemoryBytes,
      });
      spec = buildContainerSpec({
        pod: data.pod,
        ref: rt.ref,
        container: c,
        role,
        index,
        attempt,
        netns: rt.sandboxId
          ? { sandboxId: rt.sandboxId }
          : { own: networkOwnerConfig(data.pod, rt.ref, this.settings.podNetwork) },
        plan: rt.plan,
        env,
        gpuDevices: this.gpuDevices(rt, role, index),
        imageUser,
        sidecar: this.settings.sidecar,
        logMaxSize: this.settings.logMaxSize,
        logMaxFiles: this.settings.logMaxFiles,
      });
    } catch (err) {
      if (!(err instanceof ContainerConfigError || err instanceof PodSpecError)) throw err;
      rt.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
      return;
    }
    let id: string;
    this.logger.debug('creating container', { uid, container: c.name, role, attempt });
    try {
      id = (await this.docker.createContainer(spec)).id;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) {
        rt.waiting.set(c.name, { reason: 'CreateContainerError', message: dockerMessage(err) });
        return;
      }
      id = (await this.docker.getContainer(spec.name ?? '').inspect()).Id; // created by an interrupted earlier run
    }
    if (rt.deleting) {
      await this.docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
      return;
    }
    rt.waiting.delete(c.name);
    await this.startInstance(rt, id);
  }

  private async startInstance(rt: PodRuntime, id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    this.logger.debug('starting container', { uid: rt.ref.uid, id });
    try {
      await container.start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return;
      // Docker leaves the container "created" with the error in its state; remember the
      // failure so status reports StartError and the restart policy applies.
      rt.startFailed.set(id, Date.now());
      this.inspect.remember(await container.inspect());
      this.logger.warn('container failed to start', {
        uid: rt.ref.uid,
        pod: rt.ref.podName,
        id,
        error: dockerMessage(err),
      });
      this.enqueue(rt.ref.uid);
    }
  }

  private gpuDevices(rt: PodRuntime, role: 'init' | 'app', index: number): string[] {
    const spec = rt.data?.pod.spec;
    const split = splitPodGpus(
      this.gpus.heldBy(rt.ref.uid),
      (spec?.initContainers ?? []).map(gpuCount),
      (spec?.containers ?? []).map(gpuCount),
    );
    return (role === 'init' ? split.init[index] : split.app[index]) ?? [];
  }
}
