import { sinceTimeOf, type ContainerLogOpts } from '@interlink/api';

/** One captured log line: the time it was written and its text (without the newline). */
export interface TimedLogLine {
  time: Date;
  text: string;
}

/**
 * The earliest time a line may carry to pass `SinceSeconds`/`SinceTime`, or undefined. The codec
 * bounds SinceSeconds to int64, which still reaches far before any log line (and beyond what a
 * Date can hold): such a request means "everything", so it is clamped to the epoch.
 */
export function logSince(opts: ContainerLogOpts, now: Date = new Date()): Date | undefined {
  if (opts.SinceSeconds > 0) return new Date(Math.max(0, now.getTime() - opts.SinceSeconds * 1000));
  return sinceTimeOf(opts);
}

/** RFC 3339 with nanosecond digits, the format the kubelet prefixes with `timestamps=true`. */
export function formatLogTimestamp(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * Kubelet order: Since first, then Tail, then the byte limit (which may cut the last line).
 * Returns the bytes to send for a non-follow request over captured lines.
 */
export function renderLogLines(
  lines: readonly TimedLogLine[],
  opts: ContainerLogOpts,
  now: Date = new Date(),
): Buffer {
  const since = logSince(opts, now);
  let selected = since ? lines.filter((l) => l.time.getTime() >= since.getTime()) : [...lines];
  if (opts.Tail > 0) selected = selected.slice(-opts.Tail);
  const text = selected
    .map((l) => (opts.Timestamps ? `${formatLogTimestamp(l.time)} ${l.text}\n` : `${l.text}\n`))
    .join('');
  const bytes = Buffer.from(text, 'utf8');
  return opts.Bytes > 0 ? bytes.subarray(0, opts.Bytes) : bytes;
}
