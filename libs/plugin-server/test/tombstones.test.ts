import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPluginServer,
  InMemoryBackend,
  TOMBSTONE_FILE,
  TombstoneStore,
  type PluginServer,
} from '../src';
import { podData, quietLogger, send } from './helpers';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tombstones-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const pod = (i: number) => ({ uid: `uid-${i}`, namespace: 'ns', name: `p${i}` });

describe('TombstoneStore', () => {
  it('remembers the last N deleted UIDs only', () => {
    const store = new TombstoneStore({ capacity: 3 });
    for (let i = 0; i < 5; i++) store.add(pod(i));
    expect(store.size).toBe(3);
    expect(store.get('uid-1')).toBeUndefined();
    expect(store.get('uid-4')).toMatchObject({ namespace: 'ns', name: 'p4' });
  });

  it('keeps tombstones across a reopen of the same directory, still bounded', () => {
    const dir = tempDir();
    const first = new TombstoneStore({ dir, capacity: 4 });
    for (let i = 0; i < 6; i++) first.add(pod(i));
    const reopened = new TombstoneStore({ dir, capacity: 4 });
    expect(reopened.size).toBe(4);
    expect(reopened.get('uid-5')).toEqual(first.get('uid-5'));
    expect(reopened.get('uid-1')).toBeUndefined();
  });

  it('compacts the journal once it holds twice the capacity', () => {
    const dir = tempDir();
    const store = new TombstoneStore({ dir, capacity: 2 });
    for (let i = 0; i < 5; i++) store.add(pod(i));
    const lines = readFileSync(join(dir, TOMBSTONE_FILE), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(new TombstoneStore({ dir, capacity: 2 }).get('uid-4')).toBeDefined();
  });

  it('ignores a torn last line of the journal (crash during append)', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, TOMBSTONE_FILE),
      `${JSON.stringify({ ...pod(1), deletedAt: '2026-01-01T00:00:00.000Z' })}\n{"uid":"uid-2","na`,
    );
    const store = new TombstoneStore({ dir });
    expect(store.get('uid-1')).toBeDefined();
    expect(store.get('uid-2')).toBeUndefined();
  });
});

describe("a /create after the pod's /delete (issue 16)", () => {
  const dir = tempDir();
  const servers: PluginServer[] = [];
  async function serve(backend: InMemoryBackend): Promise<PluginServer> {
    const server = createPluginServer({
      backend,
      listen: 'http://127.0.0.1:0',
      logger: quietLogger(),
      tombstoneDir: dir,
    });
    await server.start();
    servers.push(server);
    return server;
  }
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('answers 409 naming the pod, starts nothing, and still does after a restart', async () => {
    const uid = randomUUID();
    const data = podData('late', uid);
    const backend = new InMemoryBackend();
    const server = await serve(backend);
    const del = await send(server, 'POST', '/delete', JSON.stringify(data.pod));
    expect(del.status).toBe(200);

    const create = await send(server, 'POST', '/create', JSON.stringify(data));
    expect(create.status).toBe(409);
    expect((create.json() as { error: string }).error).toMatch(
      new RegExp(`pod default/late \\(${uid}\\) was deleted before this create arrived; nothing was started`),
    );
    expect(backend.calls.create).toBe(0);
    expect(backend.has(uid)).toBe(false);

    await server.stop();
    const restartedBackend = new InMemoryBackend();
    const restarted = await serve(restartedBackend);
    const again = await send(restarted, 'POST', '/create', JSON.stringify(data));
    expect(again.status).toBe(409);
    expect(restartedBackend.calls.create).toBe(0);
  });

  it('refuses a legacy array create as a whole when one of its pods was deleted', async () => {
    const backend = new InMemoryBackend();
    const server = await serve(backend);
    const deleted = podData('gone');
    await send(server, 'POST', '/delete', JSON.stringify(deleted.pod));
    const res = await send(server, 'POST', '/create', JSON.stringify([podData('fresh'), deleted]));
    expect(res.status).toBe(409);
    expect(backend.calls.create).toBe(0);
  });

  it('leaves a status request for a pod whose create has not arrived out of the answer', async () => {
    const backend = new InMemoryBackend();
    const server = await serve(backend);
    const known = podData('known');
    expect((await send(server, 'POST', '/create', JSON.stringify(known))).status).toBe(200);
    const res = await send(server, 'GET', '/status', JSON.stringify([podData('not-yet').pod, known.pod]));
    expect(res.status).toBe(200);
    expect((res.json() as Array<{ name: string }>).map((s) => s.name)).toEqual(['known']);
  });

  it('still creates pods that were never deleted (and deleting twice stays 200)', async () => {
    const backend = new InMemoryBackend();
    const server = await serve(backend);
    const data = podData('fine');
    expect((await send(server, 'POST', '/create', JSON.stringify(data))).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await send(server, 'POST', '/delete', JSON.stringify(data.pod))).status).toBe(200);
    expect(backend.has(data.pod.metadata!.uid!)).toBe(false);
  });
});
