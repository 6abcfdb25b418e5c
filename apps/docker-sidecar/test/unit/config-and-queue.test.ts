import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { SidecarConfigSchema } from '../../src/config/sidecar-config';
import { dockerOptions, toSidecarSettings } from '../../src/config/sidecar-settings';
import { KeyedMutex } from '../../src/util/keyed-mutex';
import { KeyedWorkQueue } from '../../src/docker/work-queue';

const defaults = () =>
  Value.Default(SidecarConfigSchema, {}) as ReturnType<typeof Value.Default> & Record<string, unknown>;

describe('sidecar settings', () => {
  it('uses the upstream keys: SidecarPort, Socket, logging flags', () => {
    const s = toSidecarSettings({ ...defaults(), SidecarPort: '4123', VerboseLogging: true } as never);
    expect(s.listen).toBe('http://0.0.0.0:4123');
    expect(s.logLevel).toBe('debug');
    const sock = toSidecarSettings({ ...defaults(), Socket: 'unix:///tmp/p.sock' } as never);
    expect(sock.listen).toBe('unix:///tmp/p.sock');
  });

  it('names the bad key', () => {
    expect(() => toSidecarSettings({ ...defaults(), DataRootFolder: 'relative/dir' } as never)).toThrow(
      /DataRootFolder/,
    );
    expect(() => toSidecarSettings({ ...defaults(), Socket: '/no/scheme.sock' } as never)).toThrow(/Socket/);
    expect(() =>
      toSidecarSettings({ ...defaults(), BearerTokenFile: '/nonexistent/token' } as never),
    ).toThrow(/BearerTokenFile/);
    expect(() => dockerOptions('ftp://x')).toThrow(/DockerHost/);
    expect(() =>
      toSidecarSettings({ ...defaults(), MetricsListen: 'https://127.0.0.1:9090' } as never),
    ).toThrow(/MetricsListen/);
  });

  it('takes MetricsListen as the anonymous /metrics listener for scrapers (none by default)', () => {
    expect(toSidecarSettings({ ...defaults() } as never).metricsListen).toBeUndefined();
    const s = toSidecarSettings({ ...defaults(), MetricsListen: 'unix:///run/m.sock' } as never);
    expect(s.metricsListen).toBe('unix:///run/m.sock');
  });

  it('parses Docker endpoints', () => {
    expect(dockerOptions('unix:///var/run/docker.sock').options).toEqual({
      socketPath: '/var/run/docker.sock',
    });
    expect(dockerOptions('tcp://10.0.0.5:2375').options).toEqual({
      host: '10.0.0.5',
      port: 2375,
      protocol: 'http',
    });
    expect(dockerOptions('').options).toBeUndefined();
  });
});

describe('KeyedMutex and KeyedWorkQueue', () => {
  it('serialises work per key only', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const step = (k: string, ms: number) =>
      m.run(k, async () => {
        log.push(`${k}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${k}-`);
      });
    await Promise.all([step('a', 30), step('a', 1), step('b', 1)]);
    expect(log.indexOf('a-')).toBeLessThan(log.lastIndexOf('a+'));
    expect(log.indexOf('b+')).toBeLessThan(log.indexOf('a-'));
  });

  it('re-runs a key enqueued while it runs, never runs it twice at once, bounds concurrency', async () => {
    const runs: Record<string, number> = {};
    let active = 0;
    let peak = 0;
    const q = new KeyedWorkQueue(
      async (k) => {
        active++;
        peak = Math.max(peak, active);
        runs[k] = (runs[k] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 10));
        active--;
      },
      2,
      () => undefined,
    );
    q.enqueue('a');
    q.enqueue('a');
    q.enqueue('b');
    q.enqueue('c');
    await new Promise((r) => setTimeout(r, 2));
    q.enqueue('a');
    await q.idle();
    expect(runs).toEqual({ a: 2, b: 1, c: 1 });
    expect(peak).toBe(2);
  });
});
