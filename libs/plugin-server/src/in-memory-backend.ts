import { PassThrough, Readable } from 'node:stream';
import type { V1ContainerState, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import {
  makePodStatus,
  type CreateStruct,
  type LogStruct,
  type PingResponse,
  type PodStatus,
  type RemotePod,
  type RetrievedPodData,
} from '@interlink/api';
import { PluginError, PodNotFoundError, type CallContext, type PluginBackend } from './backend';
import { formatLogTimestamp, logSince, renderLogLines, type TimedLogLine } from './log-options';

type Operation = 'create' | 'delete' | 'status' | 'logs' | 'ping' | 'updateVolumes' | 'listPods';

interface ContainerRecord {
  name: string;
  init: boolean;
  state: V1ContainerState;
  lastState: V1ContainerState;
  ready: boolean;
  restartCount: number;
  log: TimedLogLine[];
  previousLog: TimedLogLine[] | undefined;
  followers: Set<{ stream: PassThrough; timestamps: boolean; since: Date | undefined }>;
}

interface PodRecord {
  data: RetrievedPodData;
  jobId: string;
  containers: Map<string, ContainerRecord>;
}

export interface InMemoryBackendOptions {
  /** Answer to ping; default `{ status: 'ok', resources: {...} }` with generous capacity. */
  ping?: PingResponse;
  /** State of app containers right after create: `running` (default) or `waiting` (reason ContainerCreating). */
  initialState?: 'running' | 'waiting';
  /** Artificial latency added to every call (benchmarks of callers). */
  latencyMs?: number;
}

/**
 * A complete backend that keeps pods in memory: create is idempotent by UID, status reflects
 * states tests set, logs honour every option and follow appended lines. For tests and
 * benchmarks of everything above the backend (plugin server, relay, node controller).
 */
export class InMemoryBackend implements PluginBackend {
  readonly calls: Record<Operation, number> = {
    create: 0,
    delete: 0,
    status: 0,
    logs: 0,
    ping: 0,
    updateVolumes: 0,
    listPods: 0,
  };
  private readonly pods = new Map<string, PodRecord>();
  private readonly failures = new Map<Operation, Error>();
  private pingAnswer: PingResponse;
  private nextJobId = 1;

  constructor(private readonly options: InMemoryBackendOptions = {}) {
    this.pingAnswer = options.ping ?? {
      status: 'ok',
      resources: { cpu: '64', memory: '256Gi', pods: '1000' },
    };
  }

  async create(data: RetrievedPodData, _ctx: CallContext): Promise<CreateStruct> {
    await this.enter('create');
    const uid = data.pod.metadata?.uid ?? '';
    const existing = this.pods.get(uid);
    if (existing) return { PodUID: uid, PodJID: existing.jobId };
    const now = new Date();
    const containers = new Map<string, ContainerRecord>();
    for (const c of data.pod.spec?.initContainers ?? []) {
      containers.set(
        c.name,
        this.newContainer(c.name, true, {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
        }),
      );
    }
    for (const c of data.pod.spec?.containers ?? []) {
      const state: V1ContainerState =
        this.options.initialState === 'waiting'
          ? { waiting: { reason: 'ContainerCreating' } }
          : { running: { startedAt: now } };
      containers.set(c.name, this.newContainer(c.name, false, state));
    }
    const record: PodRecord = { data, jobId: `mem-${this.nextJobId++}`, containers };
    this.pods.set(uid, record);
    return { PodUID: uid, PodJID: record.jobId };
  }

  /** Keeps the new volume content: podData() shows what a container would now read. */
  async updateVolumes(data: RetrievedPodData, _ctx: CallContext): Promise<void> {
    await this.enter('updateVolumes');
    const uid = data.pod.metadata?.uid ?? '';
    const record = this.pods.get(uid);
    if (!record) throw new PodNotFoundError(`pod ${uid} is not known to this plugin`);
    record.data = { ...record.data, container: data.container };
  }

  async listPods(_ctx: CallContext): Promise<RemotePod[]> {
    await this.enter('listPods');
    return [...this.pods.values()].map(({ data, jobId }) => ({
      name: data.pod.metadata?.name ?? '',
      namespace: data.pod.metadata?.namespace ?? '',
      UID: data.pod.metadata?.uid ?? '',
      ...(data.pod.spec?.nodeName ? { nodeName: data.pod.spec.nodeName } : {}),
      JID: jobId,
    }));
  }

  async delete(pod: V1Pod, _ctx: CallContext): Promise<void> {
    await this.enter('delete');
    const record = this.pods.get(pod.metadata?.uid ?? '');
    if (!record) return;
    for (const c of record.containers.values()) for (const f of c.followers) f.stream.end();
    this.pods.delete(pod.metadata?.uid ?? '');
  }

  async status(pods: V1Pod[], _ctx: CallContext): Promise<PodStatus[]> {
    await this.enter('status');
    const out: PodStatus[] = [];
    for (const pod of pods) {
      const record = this.pods.get(pod.metadata?.uid ?? '');
      if (!record) continue;
      const all = [...record.containers.values()];
      out.push(
        makePodStatus(record.data.pod, {
          JID: record.jobId,
          containers: all.filter((c) => !c.init).map(toStatus),
          initContainers: all.filter((c) => c.init).map(toStatus),
        }),
      );
    }
    return out;
  }

  async logs(req: LogStruct, ctx: CallContext): Promise<Readable> {
    await this.enter('logs');
    const record = this.pods.get(req.PodUID);
    if (!record)
      throw new PluginError(404, `pod ${req.Namespace}/${req.PodName} (uid ${req.PodUID}) not found`);
    const name = req.ContainerName || record.data.pod.spec?.containers?.[0]?.name || '';
    const container = record.containers.get(name);
    if (!container)
      throw new PluginError(404, `container "${name}" not found in pod ${req.Namespace}/${req.PodName}`);
    if (req.Opts.Previous) {
      if (!container.previousLog)
        throw new PluginError(400, `previous terminated container "${name}" not found`);
      return Readable.from([renderLogLines(container.previousLog, req.Opts)]);
    }
    const backlog = renderLogLines(container.log, req.Opts);
    if (
      !req.Opts.Follow ||
      container.state.terminated ||
      (req.Opts.Bytes > 0 && backlog.length >= req.Opts.Bytes)
    ) {
      return Readable.from([backlog]);
    }
    const stream = new PassThrough();
    const follower = { stream, timestamps: req.Opts.Timestamps, since: logSince(req.Opts) };
    container.followers.add(follower);
    const stop = (): void => {
      container.followers.delete(follower);
      stream.end();
    };
    stream.on('close', () => container.followers.delete(follower));
    ctx.signal.addEventListener('abort', stop, { once: true });
    stream.write(backlog);
    return stream;
  }

  async ping(_ctx: CallContext): Promise<PingResponse> {
    await this.enter('ping');
    return this.pingAnswer;
  }

  // ---- controls for tests -------------------------------------------------------------

  /** Make the next call of `operation` throw `error` (once). */
  failNext(operation: Operation, error: Error): void {
    this.failures.set(operation, error);
  }

  setPing(answer: PingResponse): void {
    this.pingAnswer = answer;
  }

  has(uid: string): boolean {
    return this.pods.has(uid);
  }

  get size(): number {
    return this.pods.size;
  }

  /** The create request stored for a pod. */
  podData(uid: string): RetrievedPodData | undefined {
    return this.pods.get(uid)?.data;
  }

  /**
   * Set a container's state. With `restart`, the current state becomes `lastState`,
   * restartCount grows and the current log becomes the "previous" log. Followers end when the
   * container terminates.
   */
  setContainerState(
    uid: string,
    name: string,
    state: V1ContainerState,
    opts: { restart?: boolean; ready?: boolean } = {},
  ): void {
    const c = this.container(uid, name);
    if (opts.restart) {
      c.lastState = c.state;
      c.restartCount++;
      c.previousLog = c.log;
      c.log = [];
    }
    c.state = state;
    c.ready = opts.ready ?? Boolean(state.running);
    if (state.terminated) for (const f of c.followers) f.stream.end();
  }

  /** Append log text (split into lines) to a container, feeding followers. */
  appendLog(uid: string, name: string, text: string, time: Date = new Date()): void {
    const c = this.container(uid, name);
    for (const line of text.replace(/\n$/, '').split('\n')) {
      c.log.push({ time, text: line });
      for (const f of c.followers) {
        if (f.since && time < f.since) continue;
        f.stream.write(f.timestamps ? `${formatLogTimestamp(time)} ${line}\n` : `${line}\n`);
      }
    }
  }

  private container(uid: string, name: string): ContainerRecord {
    const c = this.pods.get(uid)?.containers.get(name);
    if (!c) throw new Error(`InMemoryBackend: no container ${name} in pod ${uid}`);
    return c;
  }

  private newContainer(name: string, init: boolean, state: V1ContainerState): ContainerRecord {
    return {
      name,
      init,
      state,
      lastState: {},
      ready: Boolean(state.running),
      restartCount: 0,
      log: [],
      previousLog: undefined,
      followers: new Set(),
    };
  }

  private async enter(operation: Operation): Promise<void> {
    this.calls[operation]++;
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const failure = this.failures.get(operation);
    if (failure) {
      this.failures.delete(operation);
      throw failure;
    }
  }
}

function toStatus(c: ContainerRecord): V1ContainerStatus {
  return {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: '',
    imageID: '',
  };
}
