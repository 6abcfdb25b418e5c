import { randomUUID } from 'node:crypto';
import { HttpClient } from '@interlink/http-kit';
import { createLogger, type Logger } from '@interlink/logging';
import type { RetrievedPodData } from '@interlink/api';
import { beforeAll, afterAll } from 'vitest';
import {
  createPluginServer,
  InMemoryBackend,
  type CallContext,
  type PluginBackend,
  type PluginServer,
} from '../src';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

export interface Target {
  /** `http://127.0.0.1:port` or `unix:///path` */
  url: string;
}

const clients = new Map<string, HttpClient>();

/** Sends any method with any body (GET included), like the Go relay does; keep-alive per target. */
export async function send(
  target: Target,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  let client = clients.get(target.url);
  if (!client) {
    client = new HttpClient({ baseUrl: target.url });
    clients.set(target.url, client);
  }
  const typed = body === undefined ? headers : { 'Content-Type': 'application/json', ...headers };
  const res = await client.request({ method, path, headers: typed, ...(body === undefined ? {} : { body }) });
  const text = res.text();
  return { status: res.status, headers: res.headers, body: text, json: () => JSON.parse(text) };
}

export function quietLogger(lines: string[] = []): Logger {
  return createLogger({
    service: 'plugin-test',
    level: 'debug',
    destination: { write: (l: string) => lines.push(l) },
  });
}

export function podData(
  name = 'hello',
  uid: string = randomUUID(),
  extra: { initContainers?: string[]; containers?: string[] } = {},
): RetrievedPodData {
  const containers = (extra.containers ?? ['main']).map((n) => ({
    name: n,
    image: 'busybox:latest',
    command: ['sh', '-c', 'echo hi'],
  }));
  const initContainers = (extra.initContainers ?? []).map((n) => ({ name: n, image: 'busybox:latest' }));
  return {
    pod: {
      metadata: { name, namespace: 'default', uid },
      spec: { containers, initContainers, restartPolicy: 'Never' },
    },
    container: [...initContainers, ...containers].map((c) => ({
      name: c.name,
      configMaps: [],
      projectedvolumemaps: [],
      secrets: [],
      emptyDirs: [],
    })),
    jobConfig: undefined,
  } as unknown as RetrievedPodData;
}

/** A backend with only the five required methods, as a third-party backend would be. */
function backendWithoutExtensions(): PluginBackend {
  const b = new InMemoryBackend();
  return {
    create: (d: RetrievedPodData, c: CallContext) => b.create(d, c),
    delete: b.delete.bind(b),
    status: b.status.bind(b),
    logs: b.logs.bind(b),
    ping: b.ping.bind(b),
  };
}

/**
 * Registers hooks that serve `backend` and, next to it, a backend without the optional
 * extension methods; both are reachable once the suite's beforeAll ran.
 */
export function useExtensionServers(backend: PluginBackend): { server: Target; bare: Target } {
  const servers: PluginServer[] = [];
  beforeAll(async () => {
    for (const b of [backend, backendWithoutExtensions()]) {
      const s = createPluginServer({ backend: b, listen: 'http://127.0.0.1:0', logger: quietLogger([]) });
      await s.start();
      servers.push(s);
    }
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  return {
    server: {
      get url() {
        return servers[0]!.url;
      },
    },
    bare: {
      get url() {
        return servers[1]!.url;
      },
    },
  };
}
