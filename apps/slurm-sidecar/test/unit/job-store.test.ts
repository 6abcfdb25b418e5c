import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore, STATE_SCHEMA_VERSION, type JobRecord } from '../../src/store/job-store';
import { KeyedMutex } from '../../src/store/keyed-mutex';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

const rec = (uid: string, extra: Partial<JobRecord> = {}): JobRecord => ({
  schemaVersion: STATE_SCHEMA_VERSION,
  uid,
  namespace: 'ns',
  name: 'p',
  phase: 'submitted',
  jobId: '7',
  initContainers: [],
  containers: ['c'],
  createdAt: new Date().toISOString(),
  ...extra,
});

describe('JobStore', () => {
  it('persists records (plus upstream id files) and restores them in a new process', async () => {
    const root = scratchDir('store-');
    const a = new JobStore(root);
    await a.load();
    mkdirSync(a.dirOf('ns', 'u1'));
    await a.put(rec('u1'));
    expect(readFileSync(join(root, 'ns-u1', 'JobID.jid'), 'utf8')).toBe('7');
    expect(statSync(join(root, 'ns-u1', 'state.json')).mode & 0o777).toBe(0o600);
    const b = new JobStore(root);
    expect((await b.load()).loaded).toBe(1);
    expect(b.get('u1')).toEqual(rec('u1', { createdAt: a.get('u1')!.createdAt }));
    await b.remove('ns', 'u1');
    expect(existsSync(join(root, 'ns-u1'))).toBe(false);
    await b.remove('ns', 'u1');
  });

  it('adopts directories written by the Go plugin and skips unreadable ones', async () => {
    const root = scratchDir('store-');
    const legacy = join(root, 'physics-abc');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'JobID.jid'), '99\n');
    writeFileSync(join(legacy, 'PodUID.uid'), 'abc');
    writeFileSync(join(legacy, 'PodNamespace.ns'), 'physics');
    mkdirSync(join(root, 'junk'));
    const s = new JobStore(root);
    const r = await s.load();
    expect(r).toEqual({ loaded: 1, skipped: ['junk'] });
    expect(s.get('abc')).toMatchObject({ jobId: '99', namespace: 'physics', legacy: true });
  });
});

describe('KeyedMutex', () => {
  it('serialises per key, not across keys', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const slow = (k: string, tag: string, ms: number) =>
      m.run(k, async () => {
        order.push(`start ${tag}`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`end ${tag}`);
      });
    await Promise.all([slow('a', 'a1', 30), slow('a', 'a2', 1), slow('b', 'b1', 5)]);
    expect(order.indexOf('end a1')).toBeLessThan(order.indexOf('start a2'));
    expect(order.indexOf('start b1')).toBeLessThan(order.indexOf('end a1'));
    await expect(m.run('a', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await m.run('a', async () => 5)).toBe(5);
    expect(m.busyKeys).toBe(0);
  });
});
