/**
 * Parsing of the container log files. The job script writes one record per output line:
 * `<epoch seconds>.<micro> F <text>\n` for a complete line, `... P <text>\n` for a final line
 * that had no newline. Raw files (upstream's `.out`, or ours with timestamps off) are plain
 * text without times.
 */
export interface LogLine {
  /** epoch seconds as written (microsecond precision), undefined for raw files */
  epoch?: string;
  /** milliseconds since the epoch, for filtering */
  ms?: number;
  text: Buffer;
  /** false for a last line without a newline */
  complete: boolean;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * Parses as many whole records as `buf` holds; returns them and the number of bytes used
 * (the rest is an unfinished record to keep for the next read).
 */
export function parseStamped(buf: Buffer): { lines: LogLine[]; used: number } {
  const lines: LogLine[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0) break;
    const s1 = buf.indexOf(SPACE, pos);
    if (
      s1 > pos &&
      s1 + 2 < nl + 1 &&
      buf[s1 + 2] === SPACE &&
      (buf[s1 + 1] === 0x46 || buf[s1 + 1] === 0x50)
    ) {
      const epoch = buf.toString('latin1', pos, s1).replace(',', '.');
      lines.push({
        epoch,
        ms: Number(epoch) * 1000,
        text: buf.subarray(s1 + 3, nl),
        complete: buf[s1 + 1] === 0x46,
      });
    } else {
      // Not one of our records (should not happen): keep the text rather than lose it.
      lines.push({ text: buf.subarray(pos, nl), complete: true });
    }
    pos = nl + 1;
  }
  return { lines, used: pos };
}

/** Splits raw text into lines; the last one is incomplete when the text does not end in a newline. */
export function parseRaw(buf: Buffer, final: boolean): { lines: LogLine[]; used: number } {
  const lines: LogLine[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0) {
      if (final) {
        lines.push({ text: buf.subarray(pos), complete: false });
        pos = buf.length;
      }
      break;
    }
    lines.push({ text: buf.subarray(pos, nl), complete: true });
    pos = nl + 1;
  }
  return { lines, used: pos };
}

/** Joins a partial record with the records that continue it, as one logical line. */
export function joinPartials(lines: LogLine[]): LogLine[] {
  const out: LogLine[] = [];
  let pending: LogLine | undefined;
  for (const l of lines) {
    if (pending) {
      pending = { ...pending, text: Buffer.concat([pending.text, l.text]), complete: l.complete };
    } else pending = l;
    if (pending.complete) {
      out.push(pending);
      pending = undefined;
    }
  }
  if (pending) out.push(pending);
  return out;
}

/** RFC 3339 with nanoseconds and trailing zeros trimmed, as the kubelet prints log timestamps. */
export function formatTimestamp(epoch: string | undefined, fallbackMs: number): string {
  let seconds: number;
  let frac: string;
  if (epoch && /^\d+(\.\d+)?$/.test(epoch)) {
    const [s, f = ''] = epoch.split('.');
    seconds = Number(s);
    frac = f.padEnd(9, '0').slice(0, 9);
  } else {
    seconds = Math.floor(fallbackMs / 1000);
    frac = String(Math.round(fallbackMs % 1000))
      .padStart(3, '0')
      .padEnd(9, '0');
  }
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const trimmed = frac.replace(/0+$/, '');
  return `${base}${trimmed ? '.' + trimmed : ''}Z`;
}

export function renderLine(l: LogLine, timestamps: boolean, fallbackMs: number): Buffer {
  const parts: Buffer[] = [];
  if (timestamps) parts.push(Buffer.from(formatTimestamp(l.epoch, l.ms ?? fallbackMs) + ' '));
  parts.push(l.text);
  if (l.complete) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}
