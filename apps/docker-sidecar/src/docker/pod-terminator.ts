import type Docker from 'dockerode';
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { current, type ContainerInstance, type PodContainers } from './container-inventory';

const GONE = new Set([304, 404]);

function ignoreGone(err: unknown): void {
  if (!GONE.has((err as { statusCode?: number }).statusCode ?? 0)) throw err;
}

/**
 * Graceful pod stop, kubelet order: preStop exec hooks, then SIGTERM (or the image's stop
 * signal) to every running container, SIGKILL after the grace period, then removal of every
 * container instance and finally the sandbox.
 */
export class PodTerminator {
  constructor(
    private readonly docker: Docker,
    private readonly logger: Logger,
  ) {}

  async terminate(pc: PodContainers, graceSeconds: number, spec: V1Container[]): Promise<void> {
    const deadline = Date.now() + graceSeconds * 1000;
    const running = [...pc.instances.keys()]
      .map((name) => current(pc, name))
      .filter(
        (i): i is ContainerInstance =>
          i !== undefined && (i.state === 'running' || i.state === 'paused' || i.state === 'restarting'),
      );
    await Promise.all(
      running.map(async (inst) => {
        const hook = spec.find((c) => c.name === inst.container)?.lifecycle?.preStop?.exec?.command;
        if (hook?.length) await this.runHook(inst, hook, deadline);
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        await this.docker.getContainer(inst.id).stop({ t: left }).catch(ignoreGone);
      }),
    );
    const all = [...pc.instances.values()].flat();
    await Promise.all(all.map((i) => this.remove(i.id)));
    if (pc.sandbox) await this.remove(pc.sandbox.id);
  }

  async remove(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err: { statusCode?: number; message?: string }) => {
        // 409 "removal already in progress": another removal of the same container is running.
        if (err.statusCode === 409 && /in progress/.test(err.message ?? '')) return;
        ignoreGone(err);
      });
  }

  private async runHook(inst: ContainerInstance, command: string[], deadline: number): Promise<void> {
    try {
      const exec = await this.docker
        .getContainer(inst.id)
        .exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
      await exec.start({ Detach: true });
      while (Date.now() < deadline) {
        const info = await exec.inspect();
        if (!info.Running) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (err) {
      this.logger.warn('preStop hook failed', { container: inst.container, err });
    }
  }
}
