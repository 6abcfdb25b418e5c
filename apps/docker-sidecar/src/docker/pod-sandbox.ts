import type Docker from 'dockerode';
import type { V1Pod } from '@kubernetes/client-node';
import { Labels } from '../pod/names';
import { buildSandboxSpec, type SandboxSettings } from '../pod/pod-sandbox-spec';
import { podLabels, type PodRef } from '../pod/container-spec-builder';
import type { VolumePlan } from '../pod/volume-planner';
import type { ImagePuller } from './image-puller';

/**
 * Creates and removes a pod's sandbox container and its memory-backed volumes. The sandbox is
 * what `/create` waits for; the pod's own containers are started afterwards by PodLifecycle.
 */
export class PodSandbox {
  constructor(
    private readonly docker: Docker,
    private readonly puller: ImagePuller,
    private readonly settings: SandboxSettings,
  ) {}

  async create(pod: V1Pod, ref: PodRef, plan: VolumePlan): Promise<{ id: string }> {
    await this.puller.ensure(this.settings.image, 'IfNotPresent');
    for (const vol of plan.volumes.values()) {
      if (vol.kind !== 'memory') continue;
      const o = vol.sizeBytes !== undefined ? `size=${vol.sizeBytes}` : '';
      await this.docker.createVolume({
        Name: vol.dockerVolume,
        Driver: 'local',
        DriverOpts: { type: 'tmpfs', device: 'tmpfs', ...(o ? { o } : {}) },
        Labels: podLabels(this.settings.sidecar, ref),
      });
    }
    const spec = buildSandboxSpec(pod, ref, plan, this.settings);
    let id: string;
    try {
      id = (await this.docker.createContainer(spec)).id;
    } catch (err) {
      // A sandbox left by an interrupted create: reuse it.
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      id = (await this.docker.getContainer(spec.name ?? '').inspect()).Id;
    }
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already running
    }
    return { id };
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  /** The pod IP: the sandbox's address on its network. */
  async ipOf(id: string): Promise<string | undefined> {
    const net = (await this.docker.getContainer(id).inspect()).NetworkSettings;
    return Object.values(net?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress || undefined;
  }

  /** Remove the pod's Docker volumes (memory emptyDirs); missing ones are fine. */
  async removeVolumes(uid: string): Promise<void> {
    const { Volumes } = await this.docker.listVolumes({
      filters: { label: [`${Labels.sidecar}=${this.settings.sidecar}`, `${Labels.podUid}=${uid}`] },
    });
    await Promise.all(
      (Volumes ?? []).map((v) =>
        this.docker
          .getVolume(v.Name)
          .remove()
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404) throw err;
          }),
      ),
    );
  }
}
