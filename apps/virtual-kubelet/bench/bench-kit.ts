import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';

/** CPU seconds (user + system) and RSS of a process, from /proc. */
export function processUsage(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMb: rssKb / 1024 };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

export async function pool<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

export async function listPods(admin: KubeClient, ns: string): Promise<V1Pod[]> {
  const list = await admin.request<{ items: V1Pod[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/pods`,
  });
  return list.items;
}

/**
 * Watches the pods of a namespace and calls `onPod` for every event, with the local receive
 * time. The API server (or an idle socket) ends watches; the watch resumes from the last
 * resourceVersion seen, so a long benchmark misses no event. Returns a stop function.
 */
export async function watchPods(
  admin: KubeClient,
  ns: string,
  onPod: (pod: V1Pod, at: number) => void,
): Promise<() => void> {
  const list = await admin.request<{ metadata: { resourceVersion: string } }>({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/pods`,
    query: { limit: 1 },
  });
  let resourceVersion = list.metadata.resourceVersion;
  const abort = new AbortController();
  const open = async (): Promise<void> => {
    const res = await admin.stream({
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/pods`,
      query: { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 3600 },
      signal: abort.signal,
      timeoutMs: 30_000,
    });
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      const at = Date.now();
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: V1Pod };
        resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onPod(ev.object, at);
      }
    });
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!abort.signal.aborted) setTimeout(reopen, 100);
    });
  };
  const reopen = (): void => {
    if (!abort.signal.aborted) open().catch(() => setTimeout(reopen, 1000));
  };
  await open();
  return () => abort.abort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
