import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { LogStruct } from '@interlink/api';
import { PluginError, logSince } from '@interlink/plugin-server';
import {
  current,
  previous,
  type ContainerInventory,
  type PodContainers,
} from '../docker/container-inventory';
import type { PodRuntime } from '../docker/pod-runtime';
import { DockerStreamDemuxer } from './docker-stream-demuxer';
import { ByteLimit, dockerSince } from './line-transforms';

/**
 * Container logs from the Docker logs API, kubelet semantics: Since, then Tail, then the byte
 * limit; timestamps in RFC 3339 with nanoseconds; Previous = the instance before the current
 * one; Follow streams until the container stops or the caller goes away.
 */
export class LogStreamer {
  constructor(
    private readonly docker: Docker,
    private readonly inventory: ContainerInventory,
    private readonly runtimeOf: (uid: string) => PodRuntime | undefined,
  ) {}

  async open(req: LogStruct, signal: AbortSignal): Promise<Readable> {
    const pc = await this.inventory.listPod(req.PodUID);
    const podLabel = `${req.Namespace}/${req.PodName || pc?.podName || '?'}`;
    const rt = this.runtimeOf(req.PodUID);
    if (!pc && rt?.data) {
      const name = req.ContainerName || rt.data.pod.spec?.containers?.[0]?.name || '';
      const why = rt.waitingFor(name)?.reason ?? 'ContainerCreating';
      throw new PluginError(400, `container "${name}" in pod "${podLabel}" is waiting to start: ${why}`);
    }
    if (!pc) throw new PluginError(404, `pod ${podLabel} (uid ${req.PodUID}) not found`);
    const name = this.containerName(req, pc, podLabel);
    const inst = req.Opts.Previous ? previous(pc, name) : current(pc, name);
    if (!inst) {
      if (req.Opts.Previous)
        throw new PluginError(400, `previous terminated container "${name}" in pod "${podLabel}" not found`);
      const why = this.runtimeOf(req.PodUID)?.waitingFor(name)?.reason ?? 'ContainerCreating';
      throw new PluginError(400, `container "${name}" in pod "${podLabel}" is waiting to start: ${why}`);
    }
    if (inst.state === 'created' && !this.runtimeOf(req.PodUID)?.startFailed.has(inst.id)) {
      throw new PluginError(
        400,
        `container "${name}" in pod "${podLabel}" is waiting to start: PodInitializing`,
      );
    }
    const container = this.docker.getContainer(inst.id);
    const tty = Boolean((await container.inspect()).Config?.Tty);
    const opts = req.Opts;
    const follow = opts.Follow && !opts.Previous;
    const sinceIso = logSince(opts)?.toISOString();
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal.addEventListener('abort', abort, { once: true });
    // Since and Tail both keep a suffix of the time-ordered log, so applying them in either
    // order gives the same lines: Docker can do both.
    const o: Docker.ContainerLogsOptions = {
      stdout: true,
      stderr: true,
      timestamps: opts.Timestamps,
      abortSignal: controller.signal,
    };
    if (sinceIso) o.since = dockerSince(sinceIso);
    if (opts.Tail > 0) o.tail = opts.Tail;
    // Fetched before answering, so a container that vanished is an HTTP error, not a cut stream.
    const raw = follow
      ? await container.logs({ ...o, follow: true })
      : await container.logs({ ...o, follow: false });
    const source = Buffer.isBuffer(raw) ? Readable.from([raw]) : (raw as Readable);
    const stages: Transform[] = tty ? [] : [new DockerStreamDemuxer()];
    if (opts.Bytes > 0) stages.push(new ByteLimit(opts.Bytes, abort));
    const out = new PassThrough();
    out.on('close', () => {
      signal.removeEventListener('abort', abort);
      controller.abort();
    });
    pipeline([source, ...stages, out]).catch((err: unknown) => {
      if (controller.signal.aborted) out.end();
      else out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    return out;
  }

  private containerName(req: LogStruct, pc: PodContainers, podLabel: string): string {
    const spec = this.runtimeOf(req.PodUID)?.data?.pod.spec;
    // Spec order (init containers first), then anything Docker has that the spec does not name.
    const known = new Set([...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.name));
    for (const name of [...pc.instances.keys()].sort()) known.add(name);
    if (req.ContainerName) {
      if (!known.has(req.ContainerName)) {
        throw new PluginError(
          404,
          `container "${req.ContainerName}" is not valid for pod "${podLabel}" (containers: ${[...known].join(', ')})`,
        );
      }
      return req.ContainerName;
    }
    const apps =
      spec?.containers?.map((c) => c.name) ??
      [...pc.instances.entries()].filter(([, l]) => l[0]?.role === 'app').map(([n]) => n);
    if (apps.length === 1 && apps[0]) return apps[0];
    throw new PluginError(
      400,
      `a container name must be specified for pod "${podLabel}", choose one of: [${apps.join(' ')}]`,
    );
  }
}
