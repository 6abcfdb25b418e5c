import type { Readable } from 'node:stream';

/**
 * Up to `limit` bytes of a streamed body, then the stream is destroyed: enough of an error
 * answer to show a human, without trusting the peer to keep it small. Never rejects: a body
 * that breaks off is returned as far as it arrived.
 */
export async function readAtMost(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break;
    }
  } catch {
    // What arrived before the failure is still worth showing.
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit);
}
