import type Docker from 'dockerode';
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { buildContainerSpec } from '../pod/container-spec-builder';
import { ContainerConfigError, resolveEnv } from '../pod/env-resolver';
import { splitPodGpus, type GpuAllocator } from '../pod/gpu-allocator';
import { networkOwnerConfig } from '../pod/pod-sandbox-spec';
import { PodSpecError } from '../pod/pod-spec-error';
import { gpuCount } from '../pod/resource-mapper';
import { pullRetryDelayMs } from '../pod/restart-policy';
import { shippedObjects } from '../pod/volume-planner';
import { pullPolicyOf } from './image-ref';
import { dockerMessage, ImagePullError, type ImagePuller } from './image-puller';
import type { InspectCache } from './inspect-cache';
import type { LifecycleSettings } from './pod-lifecycle';
import type { PodRuntime } from './pod-runtime';
import { markLaunched } from './pod-store';

/**
 * Brings one container instance into existence: image per pull policy (failures become
 * ErrImagePull/ImagePullBackOff waiting reasons with a retry timer), environment, Docker spec
 * (problems become CreateContainerConfigError), create, start (failures become StartError).
 */
export class ContainerLauncher {
  constructor(
    private readonly docker: Docker,
    private readonly inspect: InspectCache,
    private readonly puller: ImagePuller,
    private readonly gpus: GpuAllocator,
    private readonly sandboxIp: (sandboxId: string) => Promise<string | undefined>,
    private readonly settings: LifecycleSettings,
    private readonly logger: Logger,
    /** Reconcile the pod again (after a failed start, when a pull back-off ends). */
    private readonly wake: (uid: string) => void,
  ) {}

  /** Pull (per policy, with back-off), resolve env, create and start one container instance. */
  async launch(
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
      rt.wakeAt(failed.retryAt, () => this.wake(uid));
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
      rt.wakeAt(retryAt, () => this.wake(uid));
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
    if (rt.launched.size === 0) await persistLaunched(rt, this.logger);
    rt.noteLaunched(c.name);
    await this.start(rt, id);
  }

  async start(rt: PodRuntime, id: string): Promise<void> {
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
      this.wake(rt.ref.uid);
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

/** Best effort: without the marker a vanished sandbox-less pod is only recreated after a restart. */
async function persistLaunched(rt: PodRuntime, logger: Logger): Promise<void> {
  await markLaunched(rt.podDir).catch((err: unknown) =>
    logger.warn('cannot record that the pod was launched', { uid: rt.ref.uid, err }),
  );
}
