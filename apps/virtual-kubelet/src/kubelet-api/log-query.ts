import { GO_ZERO_TIME, makeLogStruct, type ContainerLogOpts, type LogStruct } from '@interlink/api';

export class LogQueryError extends Error {}

function int(q: URLSearchParams, name: string, min: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new LogQueryError(`${name}: "${raw}" is not an integer`);
  const n = Number(raw);
  if (n < min) throw new LogQueryError(`${name}: must be >= ${min} (got ${n})`);
  return n;
}

function bool(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '') return false;
  if (/^(1|t|true)$/i.test(raw)) return true;
  if (/^(0|f|false)$/i.test(raw)) return false;
  throw new LogQueryError(`${name}: "${raw}" is not a boolean`);
}

/** Kubelet `/containerLogs` query parameters → LogStruct options; bad values are LogQueryErrors (400). */
export function parseLogQuery(q: URLSearchParams): Partial<ContainerLogOpts> {
  const opts: Partial<ContainerLogOpts> = {};
  const tail = int(q, 'tailLines', 0);
  const bytes = int(q, 'limitBytes', 1);
  const since = int(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (tail !== undefined) opts.Tail = tail;
  if (bytes !== undefined) opts.Bytes = bytes;
  if (since !== undefined) opts.SinceSeconds = since;
  if (sinceTime) {
    if (since !== undefined) throw new LogQueryError('sinceTime and sinceSeconds cannot be used together');
    const ms = Date.parse(sinceTime);
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(sinceTime)) throw new LogQueryError(`sinceTime: "${sinceTime}" is not an RFC 3339 time`);
    opts.SinceTime = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  } else {
    opts.SinceTime = GO_ZERO_TIME;
  }
  opts.Follow = bool(q, 'follow');
  opts.Previous = bool(q, 'previous');
  opts.Timestamps = bool(q, 'timestamps');
  return opts;
}

export function logStructFor(namespace: string, podName: string, podUid: string, container: string, q: URLSearchParams): LogStruct {
  return makeLogStruct({ Namespace: namespace, PodUID: podUid, PodName: podName, ContainerName: container, Opts: parseLogQuery(q) });
}
