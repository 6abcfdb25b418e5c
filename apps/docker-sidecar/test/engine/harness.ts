import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type {
  V1ConfigMap,
  V1Container,
  V1Pod,
  V1PodSecurityContext,
  V1Secret,
  V1Volume,
} from '@kubernetes/client-node';
import type { LogStruct, PodStatus, RetrievedPodData } from '@interlink/api';
import { completeLogOpts } from '@interlink/api';
import { HttpClient } from '@interlink/http-kit';
import { createLogger } from '@interlink/logging';
import { createPluginServer, type PluginServer } from '@interlink/plugin-server';
import { ensureBench, waitFor } from '@interlink/testbench';
import { tombstoneDirOf } from '@interlink/plugin-server';
import { DEFAULT_BACKOFF, type DockerBackendSettings } from '../../src/backend-settings';
import { DockerBackend } from '../../src/docker-backend';

export const docker = new Docker();

export interface Reply {
  status: number;
  body: string;
  json<T = unknown>(): T;
}

const clients = new Map<string, HttpClient>();

/** Any method with a body (GET included), as the relay sends it; one keep-alive client per URL. */
export async function send(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Reply> {
  let client = clients.get(url);
  if (!client) {
    client = new HttpClient({ baseUrl: url });
    clients.set(url, client);
  }
  const payload = body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
  const res = await client.request({ method, path, ...payload, ...(signal ? { signal } : {}) });
  const text = res.text();
  return { status: res.status, body: text, json: <T>() => JSON.parse(text) as T };
}

export interface Harness {
  instance: string;
  dataRoot: string;
  backend: DockerBackend;
  server: PluginServer;
  url: string;
  logLines: string[];
  create(data: RetrievedPodData): Promise<Reply>;
  createOk(data: RetrievedPodData): Promise<string>;
  status(pods: V1Pod[]): Promise<PodStatus[]>;
  statusOf(data: RetrievedPodData): Promise<PodStatus>;
  logs(data: RetrievedPodData, container: string, opts?: Partial<LogStruct['Opts']>): Promise<Reply>;
  remove(data: RetrievedPodData | V1Pod): Promise<Reply>;
  /** Stop HTTP and the backend, leaving containers running (a sidecar "crash"). */
  stop(): Promise<void>;
}

export type TestSettings = Partial<DockerBackendSettings>;

export function testSettings(
  instance: string,
  dataRoot: string,
  over: TestSettings = {},
): DockerBackendSettings {
  return {
    instanceName: instance,
    dataRoot,
    exportPodData: true,
    hostPathAllowList: [],
    sandboxImage: 'busybox:latest',
    sandboxCommand: ['sleep', 'infinity'],
    podNetwork: 'bridge',
    gpuDevices: [],
    maxPods: 110,
    taints: [],
    restartBackoff: { ...DEFAULT_BACKOFF, baseMs: 1000, maxMs: 4000 },
    pullBackoff: { ...DEFAULT_BACKOFF, baseMs: 1000, maxMs: 4000 },
    maxGracePeriodSeconds: 60,
    resyncIntervalMs: 5000,
    logMaxSize: '10m',
    logMaxFiles: 2,
    registryCredentials: [],
    concurrency: 16,
    ...over,
  };
}

/** A sidecar (backend + plugin server on a free port) owning containers labelled with `instance`. */
export async function startHarness(
  opts: { instance?: string; dataRoot?: string; settings?: TestSettings } = {},
): Promise<Harness> {
  await ensureBench(['docker']);
  const instance = opts.instance ?? `test-${randomUUID().slice(0, 8)}`;
  const dataRoot = opts.dataRoot ?? mkdtempSync(join(tmpdir(), 'docker-sidecar-'));
  const logLines: string[] = [];
  const logger = createLogger({
    service: 'docker-sidecar-test',
    level: 'debug',
    destination: { write: (l: string) => logLines.push(l) },
  });
  const backend = new DockerBackend(docker, testSettings(instance, dataRoot, opts.settings), logger);
  await backend.start();
  const server = createPluginServer({
    backend,
    listen: 'http://127.0.0.1:0',
    logger,
    tombstoneDir: tombstoneDirOf(dataRoot),
  });
  await server.start();
  const url = server.url;
  const h: Harness = {
    instance,
    dataRoot,
    backend,
    server,
    url,
    logLines,
    create: (data) => send(url, 'POST', '/create', data),
    async createOk(data) {
      const r = await h.create(data);
      if (r.status !== 200) throw new Error(`create answered ${r.status}: ${r.body}`);
      return r.json<{ PodJID: string }>().PodJID;
    },
    async status(pods) {
      const r = await send(url, 'GET', '/status', pods);
      if (r.status !== 200) throw new Error(`status answered ${r.status}: ${r.body}`);
      return r.json<PodStatus[]>();
    },
    async statusOf(data) {
      const [s] = await h.status([data.pod]);
      if (!s) throw new Error(`no status for ${data.pod.metadata?.name}`);
      return s;
    },
    logs: (data, container, o = {}) =>
      send(url, 'GET', '/getLogs', {
        Namespace: data.pod.metadata?.namespace,
        PodUID: data.pod.metadata?.uid,
        PodName: data.pod.metadata?.name,
        ContainerName: container,
        Opts: completeLogOpts(o),
      }),
    remove: (d) => send(url, 'POST', '/delete', 'pod' in d ? d.pod : d),
    async stop() {
      await server.stop();
      await backend.stop();
    },
  };
  return h;
}

/** Remove every container and volume of a test instance and its data directory. */
export async function purge(h: Pick<Harness, 'instance' | 'dataRoot'>): Promise<void> {
  const label = `interlink.sidecar=${h.instance}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  await Promise.all(
    (Volumes ?? []).map((v) =>
      docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
  rmSync(h.dataRoot, { recursive: true, force: true });
}

export type ContainerSpec = Partial<V1Container> & { name: string };

export interface PodSpecInput {
  name?: string;
  namespace?: string;
  uid?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: V1Volume[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  configMaps?: V1ConfigMap[];
  secrets?: V1Secret[];
  projected?: V1ConfigMap[];
  grace?: number;
  securityContext?: V1PodSecurityContext;
  annotations?: Record<string, string>;
  shareProcessNamespace?: boolean;
  nodeName?: string;
}

const withDefaults = (c: ContainerSpec): V1Container => ({
  image: 'busybox:latest',
  imagePullPolicy: 'IfNotPresent',
  ...c,
});

/** A hop-2 create body as the relay builds it (every container gets every shipped object). */
export function makePod(p: PodSpecInput): RetrievedPodData {
  const containers = p.containers.map(withDefaults);
  const initContainers = (p.initContainers ?? []).map(withDefaults);
  return {
    pod: {
      metadata: {
        name: p.name ?? `pod-${randomUUID().slice(0, 6)}`,
        namespace: p.namespace ?? 'default',
        uid: p.uid ?? randomUUID(),
        annotations: p.annotations ?? {},
      },
      spec: {
        containers,
        initContainers,
        volumes: p.volumes ?? [],
        restartPolicy: p.restartPolicy ?? 'Never',
        terminationGracePeriodSeconds: p.grace ?? 5,
        ...(p.securityContext ? { securityContext: p.securityContext } : {}),
        ...(p.shareProcessNamespace ? { shareProcessNamespace: true } : {}),
        ...(p.nodeName ? { nodeName: p.nodeName } : {}),
      },
      status: { phase: 'Pending' },
    },
    container: [...initContainers, ...containers].map((c) => ({
      name: c.name,
      configMaps: p.configMaps ?? [],
      secrets: p.secrets ?? [],
      projectedvolumemaps: p.projected ?? [],
      emptyDirs: [],
    })),
    jobConfig: undefined as never,
  };
}

type ContainerPredicate = (s: PodStatus) => boolean;

export async function waitForStatus(
  h: Harness,
  data: RetrievedPodData,
  what: string,
  ok: ContainerPredicate,
  timeoutMs = 20_000,
): Promise<PodStatus> {
  let last: PodStatus | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await h.statusOf(data);
        return ok(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 150 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

export const running = (name: string) => (s: PodStatus) =>
  Boolean(s.containers.find((c) => c.name === name)?.state?.running);
export const terminated =
  (name: string, init = false) =>
  (s: PodStatus) =>
    Boolean((init ? s.initContainers : s.containers).find((c) => c.name === name)?.state?.terminated);

export function containerOf(s: PodStatus, name: string) {
  const c = [...s.containers, ...s.initContainers].find((x) => x.name === name);
  if (!c) throw new Error(`no status for container ${name}: ${JSON.stringify(s)}`);
  return c;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
