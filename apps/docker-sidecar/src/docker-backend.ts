import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { V1Pod } from '@kubernetes/client-node';
import type {
  CreateStruct,
  LogStruct,
  PingResponse,
  PodStatus,
  RemotePod,
  RetrievedPodData,
} from '@interlink/api';
import type { Logger } from '@interlink/logging';
import { PodNotFoundError, type CallContext, type PluginBackend } from '@interlink/plugin-server';
import type { DockerBackendSettings } from './backend-settings';
import { ContainerInventory } from './docker/container-inventory';
import { DockerEventWatcher } from './docker/docker-events';
import { toPluginError } from './docker/docker-errors';
import { ImagePuller } from './docker/image-puller';
import { InspectCache } from './docker/inspect-cache';
import { PodLifecycle } from './docker/pod-lifecycle';
import { PodRuntime } from './docker/pod-runtime';
import { PodSandbox } from './docker/pod-sandbox';
import { PodStore } from './docker/pod-store';
import { PodTerminator } from './docker/pod-terminator';
import { recoverPods } from './docker/pod-recovery';
import { LogStreamer } from './logs/log-streamer';
import { GpuAllocator, podGpuCount } from './pod/gpu-allocator';
import { validatePodNames, validatePodSpec } from './pod/pod-validation';
import type { PodRef } from './pod/container-spec-builder';
import { gpuCount } from './pod/resource-mapper';
import { engineCapacity } from './docker/engine-capacity';
import { planVolumes } from './pod/volume-planner';
import { podJobId } from './pod/names';
import { needsSandbox } from './pod/pod-sandbox-spec';
import { VolumeWriter } from './pod/volume-writer';
import { DockerStatusMapper } from './status/docker-status-mapper';
import { KeyedMutex } from './util/keyed-mutex';

/**
 * Runs pods as Docker containers: a sandbox per pod holding the shared namespaces, one
 * container per pod container, all labelled so that Docker alone tells what exists.
 */
export class DockerBackend implements PluginBackend {
  readonly runtimes = new Map<string, PodRuntime>();
  readonly inventory: ContainerInventory;
  readonly inspect: InspectCache;
  readonly gpus: GpuAllocator;
  readonly lifecycle: PodLifecycle;
  private readonly node = { cpus: 1, memoryBytes: 1 };
  private readonly mutex = new KeyedMutex();
  private readonly store: PodStore;
  private readonly writer: VolumeWriter;
  private readonly sandbox: PodSandbox;
  private readonly terminator: PodTerminator;
  private readonly mapper: DockerStatusMapper;
  private readonly logStreamer: LogStreamer;
  private readonly events: DockerEventWatcher;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly docker: Docker,
    private readonly settings: DockerBackendSettings,
    private readonly logger: Logger,
  ) {
    const s = settings;
    this.inventory = new ContainerInventory(docker, s.instanceName);
    this.inspect = new InspectCache(docker);
    this.gpus = new GpuAllocator(s.gpuDevices);
    const puller = new ImagePuller(docker, logger, s.registryCredentials);
    this.store = new PodStore(s.dataRoot);
    this.writer = new VolumeWriter(logger);
    this.sandbox = new PodSandbox(docker, puller, {
      image: s.sandboxImage,
      command: s.sandboxCommand,
      network: s.podNetwork,
      sidecar: s.instanceName,
    });
    this.terminator = new PodTerminator(docker, logger);
    this.mapper = new DockerStatusMapper(this.inspect);
    this.logStreamer = new LogStreamer(docker, this.inventory, (uid) => this.runtimes.get(uid));
    const node = this.node;
    this.lifecycle = new PodLifecycle(
      docker,
      this.inventory,
      this.inspect,
      puller,
      this.gpus,
      this.runtimes,
      (id) => this.sandbox.ipOf(id),
      {
        sidecar: s.instanceName,
        podNetwork: s.podNetwork,
        restartBackoff: s.restartBackoff,
        pullBackoff: s.pullBackoff,
        logMaxSize: s.logMaxSize,
        logMaxFiles: s.logMaxFiles,
        get nodeCpuCores() {
          return node.cpus;
        },
        get nodeMemoryBytes() {
          return node.memoryBytes;
        },
        concurrency: s.concurrency,
      },
      logger,
    );
    this.events = new DockerEventWatcher(
      docker,
      s.instanceName,
      (e) => {
        if (e.action === 'destroy') this.inspect.forget(e.id);
        else if (e.action === 'die') this.lifecycle.notifyExit(e.uid, e.id);
        else this.lifecycle.enqueue(e.uid);
      },
      () => this.resync(),
      logger,
    );
  }

  /** Reads engine capacity, adopts every pod already in Docker, follows events, resyncs periodically. */
  async start(): Promise<void> {
    const info = await this.docker.info();
    this.node.cpus = info.NCPU;
    this.node.memoryBytes = info.MemTotal;
    await recoverPods({
      inventory: this.inventory,
      store: this.store,
      runtimes: this.runtimes,
      gpus: this.gpus,
      inspect: this.inspect,
      settings: this.settings,
      logger: this.logger,
    });
    for (const uid of this.runtimes.keys()) this.lifecycle.enqueue(uid);
    await this.events.start();
    this.resyncTimer = setInterval(() => this.resync(), this.settings.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.events.stop();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const rt of this.runtimes.values()) rt.cancelTimers();
    await this.lifecycle.stop();
  }

  async create(data: RetrievedPodData, ctx: CallContext): Promise<CreateStruct> {
    let ref: PodRef;
    try {
      ref = validatePodNames(data.pod);
      validatePodSpec(data.pod);
    } catch (err) {
      throw toPluginError(err, 'create');
    }
    return this.mutex.run(ref.uid, async () => {
      const jobId = podJobId(ref);
      const known = this.runtimes.get(ref.uid);
      if (known && !known.deleting) return { PodUID: ref.uid, PodJID: jobId };
      const podDir = this.store.podDir(ref.namespace, ref.uid);
      const planFor = () =>
        planVolumes({
          data,
          podDir,
          hostPathAllowList: this.settings.hostPathAllowList,
          exportPodData: this.settings.exportPodData,
        });
      try {
        const existing = await this.inventory.listPod(ref.uid);
        if (existing) {
          // Created before a restart that recovery could not fully adopt: take it over.
          await this.store.save(podDir, data);
          this.register(new PodRuntime(ref, data, planFor(), podDir, existing.sandbox?.id ?? ''));
          return { PodUID: ref.uid, PodJID: jobId };
        }
        const plan = planFor();
        const spec = data.pod.spec;
        this.gpus.allocate(
          ref.uid,
          podGpuCount((spec?.initContainers ?? []).map(gpuCount), (spec?.containers ?? []).map(gpuCount)),
        );
        await this.writer.write(plan, podDir, spec?.securityContext?.fsGroup);
        const sandboxId = needsSandbox(data.pod, plan)
          ? (await this.sandbox.create(data.pod, ref, plan)).id
          : '';
        // Written last: a directory with pod.json is a pod whose create was acknowledged.
        await this.store.save(podDir, data);
        this.register(new PodRuntime(ref, data, plan, podDir, sandboxId));
        return { PodUID: ref.uid, PodJID: jobId };
      } catch (err) {
        ctx.logger?.warn('create failed, cleaning up', { uid: ref.uid, err });
        await this.cleanup(ref.uid, podDir).catch((e: unknown) =>
          ctx.logger?.error('cleanup after failed create failed', { err: e }),
        );
        throw toPluginError(err, 'create');
      }
    });
  }

  private register(rt: PodRuntime): void {
    this.runtimes.set(rt.ref.uid, rt);
    this.inventory.invalidate();
    this.lifecycle.enqueue(rt.ref.uid);
  }

  async updateVolumes(data: RetrievedPodData, ctx: CallContext): Promise<void> {
    const uid = data.pod.metadata?.uid ?? '';
    await this.mutex.run(uid, async () => {
      const rt = this.runtimes.get(uid);
      if (!rt?.data || rt.deleting)
        throw new PodNotFoundError(`pod ${uid} is not running on this Docker sidecar`);
      // The volumes are those of the pod as created; only their content is new.
      const updated: RetrievedPodData = { ...rt.data, container: data.container };
      try {
        const plan = planVolumes({
          data: updated,
          podDir: rt.podDir,
          hostPathAllowList: this.settings.hostPathAllowList,
          exportPodData: this.settings.exportPodData,
        });
        const files = await this.writer.refresh(plan, rt.data.pod.spec?.securityContext?.fsGroup);
        await this.store.save(rt.podDir, updated);
        rt.data.container = updated.container;
        ctx.logger?.info('pod volumes refreshed', { uid, files });
      } catch (err) {
        throw toPluginError(err, 'updateVolumes');
      }
    });
  }

  async delete(pod: V1Pod, ctx: CallContext): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    await this.mutex.run(uid, async () => {
      const rt = this.runtimes.get(uid);
      if (rt) {
        rt.deleting = true;
        rt.cancelTimers();
      }
      try {
        await this.lifecycle.settled(uid);
        const pc = await this.inventory.listPod(uid);
        const stored = rt?.data?.pod;
        const grace = Math.min(
          pod.metadata?.deletionGracePeriodSeconds ??
            stored?.spec?.terminationGracePeriodSeconds ??
            pod.spec?.terminationGracePeriodSeconds ??
            30,
          this.settings.maxGracePeriodSeconds,
        );
        if (pc)
          await this.terminator.terminate(pc, grace, [
            ...(stored?.spec?.containers ?? []),
            ...(stored?.spec?.initContainers ?? []),
          ]);
        const podDir =
          rt?.podDir ??
          (pod.metadata?.namespace && /^[0-9a-f-]{36}$/.test(uid)
            ? this.store.podDir(pod.metadata.namespace, uid)
            : undefined);
        await this.cleanup(uid, podDir);
        this.runtimes.delete(uid);
        this.inventory.invalidate();
        ctx.logger?.info('pod removed', {
          uid,
          containers: pc ? [...pc.instances.values()].flat().length : 0,
          graceSeconds: grace,
        });
      } catch (err) {
        if (rt) rt.deleting = false;
        throw toPluginError(err, 'delete');
      }
    });
  }

  async status(pods: V1Pod[], _ctx: CallContext): Promise<PodStatus[]> {
    try {
      const all = await this.inventory.listAll();
      const out = await Promise.all(
        pods.map((p) =>
          this.mapper.podStatus(
            p,
            this.runtimes.get(p.metadata?.uid ?? ''),
            all.get(p.metadata?.uid ?? ''),
            all.startedAt,
          ),
        ),
      );
      return out.filter((s): s is PodStatus => s !== undefined);
    } catch (err) {
      throw toPluginError(err, 'status');
    }
  }

  /** Every pod this sidecar runs or keeps; one found in Docker without its stored request has no nodeName. */
  async listPods(_ctx: CallContext): Promise<RemotePod[]> {
    return [...this.runtimes.values()].map((rt) => {
      const nodeName = rt.data?.pod.spec?.nodeName;
      return {
        name: rt.ref.podName,
        namespace: rt.ref.namespace,
        UID: rt.ref.uid,
        ...(nodeName ? { nodeName } : {}),
      };
    });
  }

  async logs(req: LogStruct, ctx: CallContext): Promise<Readable> {
    try {
      return await this.logStreamer.open(req, ctx.signal);
    } catch (err) {
      throw toPluginError(err, 'logs');
    }
  }

  async ping(_ctx: CallContext): Promise<PingResponse> {
    try {
      return await engineCapacity(this.docker, {
        maxPods: this.settings.maxPods,
        gpuCount: this.gpus.total,
        taints: this.settings.taints,
      });
    } catch (err) {
      throw toPluginError(err, 'ping');
    }
  }

  /** Everything of a pod except its containers: leftover containers, volumes, GPUs, files. */
  private async cleanup(uid: string, podDir: string | undefined): Promise<void> {
    const leftovers = await this.inventory.listPod(uid);
    for (const inst of [...(leftovers?.instances.values() ?? [])].flat())
      await this.terminator.remove(inst.id);
    if (leftovers?.sandbox) await this.terminator.remove(leftovers.sandbox.id);
    await this.sandbox.removeVolumes(uid);
    this.gpus.release(uid);
    if (podDir) await this.store.remove(podDir);
  }

  private resync(): void {
    void this.inventory
      .listAll()
      .then((all) => {
        this.inspect.prune(
          new Set([...all.values()].flatMap((p) => [...p.instances.values()].flat().map((i) => i.id))),
        );
        for (const [uid, rt] of this.runtimes) if (rt.data && !rt.deleting) this.lifecycle.enqueue(uid);
      })
      .catch((err: unknown) => this.logger.warn('resync failed', { err }));
  }
}
