import { describe, expect, it } from 'vitest';
import { KeyedSerializer } from './keyed-serializer';
import { backoffMs, WorkQueue } from './work-queue';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('KeyedSerializer', () => {
  it('runs one task at a time per key, in order, keys in parallel', async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([s.run('a', task('a1', 20)), s.run('a', task('a2', 1)), s.run('b', task('b1', 1))]);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(s.size).toBe(0);
  });
  it('keeps going after a failed task', async () => {
    const s = new KeyedSerializer();
    await expect(s.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.run('a', async () => 7)).resolves.toBe(7);
  });
});

describe('WorkQueue', () => {
  it('de-duplicates waiting keys and limits concurrency', async () => {
    let active = 0;
    let max = 0;
    const done: string[] = [];
    const q = new WorkQueue(2, async (k) => {
      active++;
      max = Math.max(max, active);
      await tick(10);
      done.push(k);
      active--;
    }, () => undefined);
    for (const k of ['a', 'b', 'c', 'c', 'c', 'd']) q.add(k);
    await q.idle();
    expect(max).toBe(2);
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd']);
  });
  it('reports failures and continues', async () => {
    const errors: string[] = [];
    const q = new WorkQueue(1, async (k) => {
      if (k === 'bad') throw new Error('nope');
    }, (k) => errors.push(k));
    q.add('bad');
    q.add('good');
    await q.idle();
    expect(errors).toEqual(['bad']);
  });
  it('backs off exponentially with a cap', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
