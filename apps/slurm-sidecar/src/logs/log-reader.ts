import { open, readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { joinPartials, parseRaw, parseStamped, renderLine, type LogLine } from './log-lines';

export interface LogTarget {
  path: string;
  /** true for our timestamped format, false for raw text */
  stamped: boolean;
  /** true once nothing more will be written (container exited or job ended) */
  isDone: () => Promise<boolean>;
}

export interface LogOptions {
  /** last N lines; 0 = all */
  tail: number;
  /** at most N bytes of output; 0 = no limit */
  bytes: number;
  timestamps: boolean;
  follow: boolean;
  /** only lines written at or after this time (ms since epoch) */
  sinceMs?: number;
  /** follow polling interval */
  pollMs?: number;
}

/**
 * Container logs with kubelet semantics: since-filter, then tail, then timestamps, then the
 * byte limit on what is sent. With follow the stream continues with new lines until the
 * container is done (and its output drained), the caller aborts, or the byte limit is hit.
 */
export async function readContainerLog(
  target: LogTarget,
  opts: LogOptions,
  signal: AbortSignal,
): Promise<Readable> {
  const initial = await readFrom(target, 0, !opts.follow);
  let lines = filterSince(joinPartials(initial.lines), opts.sinceMs, initial.mtimeMs);
  if (opts.tail > 0) lines = lines.slice(-opts.tail);
  const limiter = new ByteLimit(opts.bytes);
  const head = limiter.take(Buffer.concat(lines.map((l) => renderLine(l, opts.timestamps, initial.mtimeMs))));
  if (!opts.follow || limiter.exhausted) return Readable.from(head.length > 0 ? [head] : []);

  const out = new PassThrough();
  if (head.length > 0) out.write(head);
  void follow(target, opts, signal, out, limiter, initial.used).catch((err: Error) => out.destroy(err));
  return out;
}

async function follow(
  target: LogTarget,
  opts: LogOptions,
  signal: AbortSignal,
  out: PassThrough,
  limiter: ByteLimit,
  start: number,
) {
  let offset = start;
  let pendingPartial: LogLine | undefined;
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  const nudge = () => wake?.();
  signal.addEventListener('abort', nudge, { once: true });
  out.on('close', nudge);
  const closed = () => signal.aborted || out.destroyed || out.writableEnded;
  try {
    for (;;) {
      if (closed()) return;
      const done = await target.isDone();
      const chunk = await readFrom(target, offset, done);
      offset += chunk.used;
      let lines = chunk.lines;
      if (pendingPartial) lines = [pendingPartial, ...lines];
      lines = joinPartials(lines);
      pendingPartial = !done && lines.at(-1)?.complete === false ? lines.pop() : undefined;
      lines = filterSince(lines, opts.sinceMs, chunk.mtimeMs);
      if (lines.length > 0) {
        const buf = limiter.take(
          Buffer.concat(lines.map((l) => renderLine(l, opts.timestamps, chunk.mtimeMs))),
        );
        if (!out.write(buf))
          await new Promise<void>((r) => {
            out.once('drain', r);
            out.once('close', r);
          });
        if (limiter.exhausted) break;
      }
      if (done && chunk.used === 0) break;
      if (!watcher) {
        try {
          watcher = watch(target.path, { persistent: false }, nudge);
          watcher.on('error', () => undefined);
        } catch {
          // The file does not exist yet: polling will find it.
        }
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs ?? 500);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = undefined;
    }
    if (pendingPartial && !closed())
      out.write(limiter.take(renderLine(pendingPartial, opts.timestamps, Date.now())));
  } finally {
    watcher?.close();
    signal.removeEventListener('abort', nudge);
    if (!out.destroyed && !out.writableEnded) out.end();
  }
}

/** Reads the file from `offset`; `final` = the file will not grow, so a trailing raw partial line counts. */
async function readFrom(
  target: LogTarget,
  offset: number,
  final: boolean,
): Promise<{ lines: LogLine[]; used: number; mtimeMs: number }> {
  let buf: Buffer;
  let mtimeMs = Date.now();
  try {
    if (offset === 0) {
      buf = await readFile(target.path);
      mtimeMs = (await stat(target.path)).mtimeMs;
    } else {
      const fh = await open(target.path, 'r');
      try {
        const st = await fh.stat();
        mtimeMs = st.mtimeMs;
        const len = Math.max(0, st.size - offset);
        buf = Buffer.alloc(len);
        if (len > 0) await fh.read(buf, 0, len, offset);
      } finally {
        await fh.close();
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], used: 0, mtimeMs };
    throw err;
  }
  return { ...(target.stamped ? parseStamped(buf) : parseRaw(buf, final)), mtimeMs };
}

function filterSince(lines: LogLine[], sinceMs: number | undefined, mtimeMs: number): LogLine[] {
  if (sinceMs === undefined) return lines;
  return lines.filter((l) => (l.ms ?? mtimeMs) >= sinceMs);
}

/** Counts bytes sent against the LimitBytes option. */
class ByteLimit {
  private left: number;
  constructor(limit: number) {
    this.left = limit > 0 ? limit : Infinity;
  }
  get exhausted(): boolean {
    return this.left <= 0;
  }
  take(buf: Buffer): Buffer {
    if (buf.length <= this.left) {
      this.left -= buf.length;
      return buf;
    }
    const part = buf.subarray(0, this.left);
    this.left = 0;
    return part;
  }
}
