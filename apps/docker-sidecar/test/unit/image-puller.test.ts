import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { createLogger } from '@interlink/logging';
import { ImagePuller, ImagePullError } from '../../src/docker/image-puller';

/** An engine stand-in: images present in a set, pulls that take `ms` and may fail. */
function fakeEngine(opts: { present?: string[]; pullMs?: number; failWith?: string }) {
  const present = new Set(opts.present ?? []);
  const calls: { pull: string[]; auth: unknown[] } = { pull: [], auth: [] };
  const docker = {
    getImage: (ref: string) => ({
      inspect: async () => {
        if (!present.has(ref)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Id: `sha256:${ref}`, Config: { User: ref.includes('app') ? '1000' : '' } };
      },
    }),
    pull: async (ref: string, options: { authconfig?: unknown }) => {
      calls.pull.push(ref);
      calls.auth.push(options.authconfig);
      const stream = new PassThrough();
      setTimeout(() => {
        if (!opts.failWith) present.add(ref);
        stream.end();
      }, opts.pullMs ?? 20);
      return stream;
    },
    modem: {
      followProgress: (stream: PassThrough, done: (err: Error | null) => void) =>
        stream.on('end', () => done(opts.failWith ? new Error(opts.failWith) : null)).resume(),
    },
  } as unknown as Docker;
  return { docker, calls };
}

const logger = createLogger({ service: 't', destination: { write: () => undefined } });

describe('ImagePuller', () => {
  it('IfNotPresent uses a present image without pulling and reads its user', async () => {
    const { docker, calls } = fakeEngine({ present: ['app:1'] });
    expect(await new ImagePuller(docker, logger).ensure('app:1', 'IfNotPresent')).toEqual({
      id: 'sha256:app:1',
      user: '1000',
    });
    expect(calls.pull).toEqual([]);
  });

  it('de-duplicates concurrent pulls of one image', async () => {
    const { docker, calls } = fakeEngine({ pullMs: 50 });
    const puller = new ImagePuller(docker, logger);
    const results = await Promise.all(Array.from({ length: 10 }, () => puller.ensure('busybox', 'Always')));
    expect(calls.pull).toEqual(['busybox:latest']);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    await puller.ensure('busybox', 'Always');
    expect(calls.pull).toHaveLength(2); // a later Always pulls again
  });

  it("Never refuses absent images; failures carry Docker's message; credentials go to their registry only", async () => {
    const never = fakeEngine({});
    await expect(new ImagePuller(never.docker, logger).ensure('x:1', 'Never')).rejects.toMatchObject({
      reason: 'ErrImageNeverPull',
    });
    const failing = fakeEngine({ failWith: 'manifest for reg.example/x:1 not found' });
    const creds = [{ Server: 'reg.example', Username: 'u', Password: 'p' }];
    const err = await new ImagePuller(failing.docker, logger, creds)
      .ensure('reg.example/x:1', 'IfNotPresent')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).message).toBe(
      'Failed to pull image "reg.example/x:1": manifest for reg.example/x:1 not found',
    );
    expect(failing.calls.auth).toEqual([{ username: 'u', password: 'p', serveraddress: 'reg.example' }]);
    await new ImagePuller(failing.docker, logger, creds)
      .ensure('other.example/y:1', 'IfNotPresent')
      .catch(() => undefined);
    expect(failing.calls.auth[1]).toBeUndefined();
  });
});
