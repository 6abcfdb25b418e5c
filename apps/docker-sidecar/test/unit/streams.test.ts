import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerStreamDemuxer } from '../../src/logs/docker-stream-demuxer';
import { ByteLimit, dockerSince, LineSplitter, splitTimestamp } from '../../src/logs/line-transforms';
import { wireTime } from '../../src/status/wire-time';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

describe('DockerStreamDemuxer', () => {
  const all = Buffer.concat([
    frame(1, 'out line\n'),
    frame(2, 'err line\n'),
    frame(1, ''),
    frame(1, 'ünïcode\n'),
  ]);

  it('merges stdout and stderr payloads in order', async () => {
    expect(await collect(Readable.from([all]).pipe(new DockerStreamDemuxer()))).toBe(
      'out line\nerr line\nünïcode\n',
    );
  });

  it('handles frames split at every possible byte', async () => {
    for (let cut = 1; cut < all.length; cut++) {
      const parts = [all.subarray(0, cut), all.subarray(cut)];
      expect(await collect(Readable.from(parts).pipe(new DockerStreamDemuxer()))).toBe(
        'out line\nerr line\nünïcode\n',
      );
    }
    const bytes = [...all].map((b) => Buffer.from([b]));
    expect(await collect(Readable.from(bytes).pipe(new DockerStreamDemuxer()))).toBe(
      'out line\nerr line\nünïcode\n',
    );
  });

  it('fails on a corrupt header or a truncated frame instead of emitting garbage', async () => {
    await expect(
      collect(Readable.from([Buffer.from('plain text, not framed')]).pipe(new DockerStreamDemuxer())),
    ).rejects.toThrow(/malformed/);
    await expect(
      collect(Readable.from([frame(1, 'abc').subarray(0, 10)]).pipe(new DockerStreamDemuxer())),
    ).rejects.toThrow(/inside a frame/);
  });
});

describe('log helpers', () => {
  it('ByteLimit cuts exactly and reports it', async () => {
    let hit = false;
    const out = await collect(
      Readable.from([Buffer.from('abc'), Buffer.from('defgh')]).pipe(new ByteLimit(5, () => (hit = true))),
    );
    expect(out).toBe('abcde');
    expect(hit).toBe(true);
  });

  it('LineSplitter keeps newlines and a final partial line', async () => {
    const lines: string[] = [];
    for await (const l of Readable.from([Buffer.from('a\nb'), Buffer.from('c\n\nd')]).pipe(
      new LineSplitter(),
    ))
      lines.push(l as string);
    expect(lines).toEqual(['a\n', 'bc\n', '\n', 'd']);
  });

  it('converts RFC 3339 times to Docker since values without losing nanoseconds', () => {
    expect(dockerSince('2026-03-02T10:00:00Z')).toBe('1772445600.000000000');
    expect(dockerSince('2026-03-02T10:00:00.123456789Z')).toBe('1772445600.123456789');
    expect(dockerSince('2026-03-02T10:00:00.999999999Z', 1)).toBe('1772445601.000000000');
    expect(dockerSince('2026-03-02T11:00:00.5+01:00')).toBe('1772445600.500000000');
    expect(splitTimestamp('2026-03-02T10:00:00.1Z hello world\n')).toEqual({
      ts: '2026-03-02T10:00:00.1Z',
      text: 'hello world\n',
    });
  });

  it('writes Kubernetes times with second precision', () => {
    expect(wireTime('2026-03-02T10:16:40.123456789Z')).toBe('2026-03-02T10:16:40Z');
    expect(wireTime(new Date('2026-03-02T10:16:40.5Z'))).toBe('2026-03-02T10:16:40Z');
    expect(wireTime(undefined)).toBeUndefined();
  });
});
