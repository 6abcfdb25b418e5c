import { Transform, type TransformCallback } from 'node:stream';

/** Passes the first `limit` bytes, then ends the output (the kubelet's limitBytes). */
export class ByteLimit extends Transform {
  private left: number;

  constructor(
    limit: number,
    private readonly onLimit: () => void,
  ) {
    super();
    this.left = limit;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.left <= 0) return done();
    const part = chunk.length > this.left ? chunk.subarray(0, this.left) : chunk;
    this.left -= part.length;
    this.push(part);
    if (this.left <= 0) {
      this.push(null);
      this.onLimit();
    }
    done();
  }
}

/** Splits a byte stream into lines (keeping the newline); a last line without newline is kept too. */
export class LineSplitter extends Transform {
  private rest = '';

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.push(`${p}\n`);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.rest) this.push(this.rest);
    done();
  }
}

/** Docker prefixes each line with `<RFC3339Nano> ` when timestamps are on. */
export function splitTimestamp(line: string): { ts: string; text: string } {
  const space = line.indexOf(' ');
  return space === -1 ? { ts: '', text: line } : { ts: line.slice(0, space), text: line.slice(space + 1) };
}

/**
 * Docker's `since` parameter: Unix seconds with a nanosecond fraction ("1709374600.123456789"),
 * parsed from an RFC 3339 timestamp without losing the nanoseconds.
 */
export function dockerSince(rfc3339: string, addNanos = 0): string {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return String(Math.floor(new Date(rfc3339).getTime() / 1000));
  const seconds = Math.floor(new Date(`${m[1]}${m[3]}`).getTime() / 1000);
  let nanos = Number((m[2] ?? '').padEnd(9, '0')) + addNanos;
  let s = seconds;
  if (nanos >= 1e9) {
    s += Math.floor(nanos / 1e9);
    nanos %= 1e9;
  }
  return `${s}.${String(nanos).padStart(9, '0')}`;
}
