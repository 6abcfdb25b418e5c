import type Docker from 'dockerode';
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { GpuAllocator } from '../pod/gpu-allocator';
import { restartDelayMs, restartPolicyOf, shouldRestart, type BackoffSettings } from '../pod/restart-policy';
import { ContainerLauncher } from './container-launcher';
import {
  current,
  type ContainerInstance,
  type ContainerInventory,
  type PodContainers,
} from './container-inventory';
import type { ImagePuller } from './image-puller';
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
  private readonly launcher: ContainerLauncher;
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    private readonly inventory: ContainerInventory,
    private readonly inspect: InspectCache,
    puller: ImagePuller,
    gpus: GpuAllocator,
    private readonly runtimes: ReadonlyMap<string, PodRuntime>,
    sandboxIp: (sandboxId: string) => Promise<string | undefined>,
    private readonly settings: LifecycleSettings,
    private readonly logger: Logger,
  ) {
    this.launcher = new ContainerLauncher(docker, inspect, puller, gpus, sandboxIp, settings, logger, (uid) =>
      this.enqueue(uid),
    );
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

  /**
   * Waits for a reconcile of this pod that is already running: it may be creating a container
   * right now, which a delete must see or it would leave that container behind.
   */
  settled(uid: string): Promise<void> {
    return this.queue.settled(uid);
  }

  private async reconcile(uid: string): Promise<void> {
    const rt = this.runtimes.get(uid);
    if (!rt?.data || rt.deleting || rt.lost || this.stopped) return;
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
      if (!cur) return this.firstLaunch(rt, c, 'init', i);
      const outcome = await this.outcome(rt, cur);
      if (outcome.kind === 'created') return this.launcher.start(rt, cur.id);
      if (outcome.kind === 'running') return;
      if (outcome.facts.exitCode === 0 && !rt.startFailed.has(cur.id)) continue;
      if (policy === 'Never') return; // the pod has failed; app containers never start
      return this.restartLater(rt, pc, c, 'init', i, cur, outcome.facts);
    }
    await Promise.all(
      (spec?.containers ?? []).map(async (c, j) => {
        const cur = current(pc, c.name);
        if (!cur) return this.firstLaunch(rt, c, 'app', j);
        const outcome = await this.outcome(rt, cur);
        if (outcome.kind === 'created') return this.launcher.start(rt, cur.id);
        if (outcome.kind === 'running') return;
        const exitCode = rt.startFailed.has(cur.id) ? outcome.facts.exitCode || 128 : outcome.facts.exitCode;
        if (shouldRestart(policy, exitCode))
          return this.restartLater(rt, pc, c, 'app', j, cur, outcome.facts);
      }),
    );
  }

  private async firstLaunch(
    rt: PodRuntime,
    c: V1Container,
    role: 'init' | 'app',
    index: number,
  ): Promise<void> {
    if (rt.launched.has(c.name)) {
      this.logger.warn('container was removed outside the sidecar; not recreating it', {
        uid: rt.ref.uid,
        container: c.name,
      });
      return;
    }
    await this.launcher.launch(rt, c, role, index, 0);
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
    await this.launcher.launch(rt, c, role, index, cur.attempt + 1);
  }
}
