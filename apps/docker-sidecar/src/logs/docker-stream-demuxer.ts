import { Transform, type TransformCallback } from 'node:stream';

const HEADER = 8;

/**
 * Decodes Docker's multiplexed log stream (containers without a TTY): frames of an 8-byte header
 * — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, big-endian payload length —
 * followed by the payload. Frames may be split across chunks at any byte. Output is the
 * payloads of stdout and stderr in arrival order, as the kubelet merges them.
 */
export class DockerStreamDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER) {
      const type = buf[0];
      const size = buf.readUInt32BE(4);
      if (type === undefined || type > 2 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        done(new Error(`malformed Docker log frame header (type byte ${type})`));
        return;
      }
      if (buf.length < HEADER + size) break;
      if (size > 0) this.push(buf.subarray(HEADER, HEADER + size));
      buf = buf.subarray(HEADER + size);
    }
    this.pending = Buffer.from(buf);
    done();
  }

  override _flush(done: TransformCallback): void {
    done(
      this.pending.length
        ? new Error(`Docker log stream ended inside a frame (${this.pending.length} bytes left)`)
        : undefined,
    );
  }
}
