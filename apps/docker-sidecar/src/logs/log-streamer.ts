import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { sinceTimeOf, type LogStruct } from '@interlink/api';
import { PluginError } from '@interlink/plugin-server';
import {
  current,
  previous,
  type ContainerInventory,
  type PodContainers,
} from '../docker/container-inventory';
import type { PodRuntime } from '../docker/pod-runtime';
import { DockerStreamDemuxer } from './docker-stream-demuxer';
import { ByteLimit, dockerSince, LineSplitter, splitTimestamp } from './line-transforms';

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
    const sinceIso =
      opts.SinceSeconds > 0
        ? new Date(Date.now() - opts.SinceSeconds * 1000).toISOString()
        : sinceTimeOf(opts)?.toISOString();
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal.addEventListener('abort', abort, { once: true });

    const fetch = async (o: Docker.ContainerLogsOptions & { follow: boolean }): Promise<Readable> => {
      const base = { stdout: true, stderr: true, abortSignal: controller.signal };
      const raw = o.follow
        ? await container.logs({ ...base, ...o, follow: true })
        : await container.logs({ ...base, ...o, follow: false });
      const source = Buffer.isBuffer(raw) ? Readable.from([raw]) : (raw as Readable);
      return tty ? source : source.pipe(new DockerStreamDemuxer());
    };

    const head = new PassThrough();
    const out = new PassThrough();
    const stages: Transform[] = [];
    if (opts.Bytes > 0) stages.push(new ByteLimit(opts.Bytes, abort));
    const finish = (): void => signal.removeEventListener('abort', abort);
    out.on('close', () => {
      finish();
      controller.abort();
    });

    const produce = async (): Promise<void> => {
      if (sinceIso && opts.Tail > 0) {
        // Docker would apply tail before since; the contract wants since first. Read every line
        // since the start time, keep the last N, then (when following) continue right after the
        // last line sent.
        const lines = await collectLines(
          await fetch({ follow: false, timestamps: true, since: dockerSince(sinceIso) }),
        );
        const kept = lines.slice(-opts.Tail);
        for (const line of kept) await writeLine(head, opts.Timestamps ? line : splitTimestamp(line).text);
        if (follow) {
          const last = kept[kept.length - 1];
          const from = last ? dockerSince(splitTimestamp(last).ts, 1) : dockerSince(sinceIso);
          await pipeline(await fetch({ follow: true, timestamps: opts.Timestamps, since: from }), head, {
            end: false,
          });
        }
      } else {
        const o: Docker.ContainerLogsOptions & { follow: boolean } = { follow, timestamps: opts.Timestamps };
        if (sinceIso) o.since = dockerSince(sinceIso);
        if (opts.Tail > 0) o.tail = opts.Tail;
        await pipeline(await fetch(o), head, { end: false });
      }
      head.end();
    };

    let tail: NodeJS.ReadableStream = head;
    for (const s of stages) tail = tail.pipe(s);
    tail.pipe(out);
    produce().catch((err: unknown) => {
      if (controller.signal.aborted) head.end();
      else out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    return out;
  }

  private containerName(req: LogStruct, pc: PodContainers, podLabel: string): string {
    const known = new Set(pc.instances.keys());
    const spec = this.runtimeOf(req.PodUID)?.data?.pod.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) known.add(c.name);
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

async function collectLines(stream: Readable): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of stream.pipe(new LineSplitter())) lines.push(line as string);
  return lines;
}

function writeLine(target: PassThrough, line: string): Promise<void> {
  return new Promise((resolve) => (target.write(line) ? resolve() : target.once('drain', () => resolve())));
}
