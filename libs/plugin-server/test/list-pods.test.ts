import { describe, expect, it } from 'vitest';
import { InMemoryBackend } from '../src';
import { podData, send, useExtensionServers } from './helpers';

describe('/listPods (extension)', () => {
  const backend = new InMemoryBackend();
  const { server, bare } = useExtensionServers(backend);

  it('lists every pod the backend keeps, with the node it was created for, until it is deleted', async () => {
    const a = podData('a');
    a.pod.spec!.nodeName = 'vk-1';
    const b = podData('b');
    for (const d of [a, b])
      expect((await send(server, 'POST', '/create', JSON.stringify(d))).status).toBe(200);
    const res = await send(server, 'GET', '/listPods', '');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(
      expect.arrayContaining([
        {
          name: 'a',
          namespace: 'default',
          UID: a.pod.metadata!.uid,
          nodeName: 'vk-1',
          JID: expect.any(String),
        },
        { name: 'b', namespace: 'default', UID: b.pod.metadata!.uid, JID: expect.any(String) },
      ]),
    );
    expect((await send(server, 'POST', '/delete', JSON.stringify(a.pod))).status).toBe(200);
    const after = (await send(server, 'GET', '/listPods', '[]')).json() as Array<{ UID: string }>;
    expect(after.map((p) => p.UID)).toEqual([b.pod.metadata!.uid]);
  });

  it('answers a plain 404 when the backend lacks the extension', async () => {
    const res = await send(bare, 'GET', '/listPods', '');
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: expect.stringMatching(/does not support \/listPods/) });
  });
});
