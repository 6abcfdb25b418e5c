import { describe, expect, it, beforeAll } from 'vitest';
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { ensureBench } from '../src';

describe('bench: Docker Engine', () => {
  let docker: Docker;
  beforeAll(async () => {
    const env = await ensureBench(['docker']);
    docker = new Docker({ socketPath: env.dockerSocket });
  });

  it('runs a busybox container and its output is read through dockerode', async () => {
    const container = await docker.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sh', '-c', 'echo "hello from $(hostname)"; echo err >&2'],
      Hostname: 'smoke',
      Labels: { 'interlink.testbench/smoke': 'true' },
    });
    try {
      await container.start();
      const result = await container.wait();
      expect(result.StatusCode).toBe(0);
      const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      const out = new PassThrough();
      const err = new PassThrough();
      const chunks: Buffer[] = [];
      const errChunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      err.on('data', (c: Buffer) => errChunks.push(c));
      // Docker multiplexes stdout and stderr in one framed stream.
      const src = new PassThrough();
      docker.modem.demuxStream(src, out, err);
      src.end(logs);
      await new Promise((r) => setImmediate(r));
      expect(Buffer.concat(chunks).toString()).toBe('hello from smoke\n');
      expect(Buffer.concat(errChunks).toString()).toBe('err\n');
    } finally {
      await container.remove({ force: true });
    }
  });
});
