import { describe, expect, it } from 'vitest';
import { completeLogOpts } from '@interlink/api';
import { pluginListenAddress, renderLogLines } from '../src';

describe('pluginListenAddress', () => {
  it('prefers Socket over SidecarPort', () => {
    expect(pluginListenAddress({ Socket: 'unix:///var/run/plugin.sock', SidecarPort: '4000' })).toBe(
      'unix:///var/run/plugin.sock',
    );
  });
  it('builds a TCP address from SidecarPort (default 4000, all interfaces)', () => {
    expect(pluginListenAddress({ SidecarPort: '4100' })).toBe('http://0.0.0.0:4100');
    expect(pluginListenAddress({})).toBe('http://0.0.0.0:4000');
    expect(pluginListenAddress({ SidecarPort: 4001, SidecarHost: '::1' })).toBe('http://[::1]:4001');
  });
  it('names the bad key', () => {
    expect(() => pluginListenAddress({ SidecarPort: 'abc' })).toThrow(/SidecarPort/);
    expect(() => pluginListenAddress({ Socket: '/tmp/x.sock' })).toThrow(/Socket/);
  });
});

describe('renderLogLines (since, then tail, then bytes)', () => {
  const t = (s: number): Date => new Date(Date.UTC(2026, 2, 2, 10, 0, s));
  const lines = [1, 2, 3, 4, 5].map((i) => ({ time: t(i), text: `line${i}` }));

  it('applies SinceTime before Tail', () => {
    const out = renderLogLines(lines, completeLogOpts({ SinceTime: t(4).toISOString(), Tail: 3 }));
    expect(out.toString()).toBe('line4\nline5\n');
  });
  it('applies SinceSeconds relative to now', () => {
    const out = renderLogLines(lines, completeLogOpts({ SinceSeconds: 2 }), t(5));
    expect(out.toString()).toBe('line3\nline4\nline5\n');
  });
  it('cuts at Bytes after Tail and prefixes nanosecond timestamps', () => {
    expect(renderLogLines(lines, completeLogOpts({ Tail: 2, Bytes: 8 })).toString()).toBe('line4\nli');
    expect(renderLogLines(lines, completeLogOpts({ Tail: 1, Timestamps: true })).toString()).toBe(
      '2026-03-02T10:00:05.000000000Z line5\n',
    );
  });
  it('treats the Go zero time as unset', () => {
    expect(
      renderLogLines(lines, completeLogOpts({ SinceTime: '0001-01-01T00:00:00Z' }))
        .toString()
        .split('\n'),
    ).toHaveLength(6);
  });
});
