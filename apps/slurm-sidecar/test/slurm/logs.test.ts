import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PluginError } from '@interlink/plugin-server';
import { makeCreate, makePod } from '../fixtures';
import {
  ctx,
  logsOf,
  requireSlurm,
  startSidecar,
  waitRunning,
  waitTerminated,
  type TestSidecar,
} from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm();
  sc = await startSidecar();
});
afterAll(async () => sc?.cleanup());

const sh = (name: string, script: string) => ({ name, image: 'none', command: ['/bin/sh', '-c', script] });
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z /;

describe('logs (real Slurm)', () => {
  const pod = makePod({
    name: 'chatty',
    initContainers: [sh('setup', 'echo preparing; echo ready >&2')],
    containers: [
      sh('main', 'echo one; echo two; sleep 2; echo three; printf "no newline"'),
      sh('other', 'echo other-output'),
    ],
  });

  beforeAll(async () => {
    await sc.backend.create(makeCreate(pod), ctx());
    await waitTerminated(sc.backend, pod);
  }, 120_000);

  it('whole log, stdout and stderr, init containers too', async () => {
    expect(await logsOf(sc.backend, pod, 'main')).toBe('one\ntwo\nthree\nno newline');
    expect(await logsOf(sc.backend, pod, 'setup')).toBe('preparing\nready\n');
    expect(await logsOf(sc.backend, pod, 'other')).toBe('other-output\n');
    expect(await logsOf(sc.backend, pod, 'job')).toMatch(/interLink: Slurm job \d+ for pod default\/chatty/);
  });

  it('Tail, Bytes, Timestamps', async () => {
    expect(await logsOf(sc.backend, pod, 'main', { Tail: 2 })).toBe('three\nno newline');
    expect(await logsOf(sc.backend, pod, 'main', { Bytes: 6 })).toBe('one\ntw');
    expect(await logsOf(sc.backend, pod, 'main', { Tail: 2, Bytes: 3 })).toBe('thr');
    const stamped = (await logsOf(sc.backend, pod, 'main', { Timestamps: true })).split('\n');
    expect(stamped).toHaveLength(4);
    for (const l of stamped) expect(l).toMatch(TS);
    expect(stamped.map((l) => l.replace(TS, ''))).toEqual(['one', 'two', 'three', 'no newline']);
  });

  it('SinceTime and SinceSeconds use the capture time of each line', async () => {
    const stamped = (await logsOf(sc.backend, pod, 'main', { Timestamps: true })).split('\n');
    const threeAt = stamped[2]!.split(' ')[0]!;
    expect(await logsOf(sc.backend, pod, 'main', { SinceTime: threeAt })).toBe('three\nno newline');
    expect(await logsOf(sc.backend, pod, 'main', { SinceSeconds: 3600 })).toBe('one\ntwo\nthree\nno newline');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await logsOf(sc.backend, pod, 'main', { SinceSeconds: 1 })).toBe('');
  });

  it('unknown containers and pods are 404, Previous is 400', async () => {
    await expect(logsOf(sc.backend, pod, 'nope')).rejects.toMatchObject({ status: 404 });
    await expect(logsOf(sc.backend, makePod({ containers: [sh('x', 'true')] }), 'x')).rejects.toBeInstanceOf(
      PluginError,
    );
    await expect(logsOf(sc.backend, pod, 'main', { Previous: true })).rejects.toMatchObject({ status: 400 });
    await expect(logsOf(sc.backend, pod, '')).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/one of setup, main, other/),
    });
  });

  it('Follow streams while the container runs and ends when it ends', async () => {
    const live = makePod({
      name: 'live',
      containers: [sh('tick', 'for i in 1 2 3 4; do echo tick-$i; sleep 1; done; exit 2')],
    });
    await sc.backend.create(makeCreate(live), ctx());
    await waitRunning(sc.backend, live, 'tick');
    const started = Date.now();
    const text = await logsOf(sc.backend, live, 'tick', { Follow: true });
    expect(text).toBe('tick-1\ntick-2\ntick-3\ntick-4\n');
    expect(Date.now() - started).toBeGreaterThan(1500);
    // and a follow on a finished container returns at once
    const again = Date.now();
    expect(await logsOf(sc.backend, live, 'tick', { Follow: true, Tail: 1 })).toBe('tick-4\n');
    expect(Date.now() - again).toBeLessThan(3000);
  }, 60_000);

  it('Follow of a container killed with its job ends too, and a client abort ends the stream', async () => {
    const forever = makePod({
      name: 'forever',
      containers: [sh('loop', 'while :; do echo x; sleep 0.5; done')],
    });
    await sc.backend.create(makeCreate(forever), ctx());
    await waitRunning(sc.backend, forever, 'loop');
    const ac = new AbortController();
    const aborted = logsOf(sc.backend, forever, 'loop', { Follow: true }, ac.signal);
    setTimeout(() => ac.abort(), 1500);
    expect(await aborted).toMatch(/^(x\n)+$/);
    const following = logsOf(sc.backend, forever, 'loop', { Follow: true });
    await new Promise((r) => setTimeout(r, 1000));
    await sc.backend.delete(forever, ctx());
    expect(await following).toMatch(/^(x\n)+$/);
  }, 60_000);
});
