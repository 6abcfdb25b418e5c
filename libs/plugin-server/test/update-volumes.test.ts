import { describe, expect, it } from 'vitest';
import type { RetrievedPodData } from '@interlink/api';
import { InMemoryBackend } from '../src';
import { podData, send, useExtensionServers } from './helpers';

function withToken(data: RetrievedPodData, token: string): RetrievedPodData {
  return {
    ...data,
    container: (data.container ?? []).map((c) => ({
      ...c,
      projectedvolumemaps: [{ metadata: { name: 'kube-api-access' }, data: { token } }],
    })),
  };
}

describe('/updateVolumes (extension)', () => {
  const backend = new InMemoryBackend();
  const { server, bare } = useExtensionServers(backend);

  it('rewrites the volume content of a running pod', async () => {
    const data = withToken(podData('rotating'), 'old-token');
    expect((await send(server, 'POST', '/create', JSON.stringify(data))).status).toBe(200);
    const res = await send(server, 'POST', '/updateVolumes', JSON.stringify(withToken(data, 'new-token')));
    expect(res.status).toBe(200);
    const stored = backend.podData(data.pod.metadata!.uid!);
    expect(stored?.container?.[0]?.projectedvolumemaps?.[0]?.data).toEqual({ token: 'new-token' });
  });

  it('answers 404 with reason PodNotFound for a pod it does not run', async () => {
    const res = await send(server, 'POST', '/updateVolumes', JSON.stringify(podData('ghost')));
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ reason: 'PodNotFound', error: expect.stringMatching(/not known/) });
  });

  it('answers a plain 404 (no reason) when the backend lacks the extension', async () => {
    const res = await send(bare, 'POST', '/updateVolumes', JSON.stringify(podData('any')));
    expect(res.status).toBe(404);
    expect((res.json() as { reason?: string }).reason).toBeUndefined();
  });

  it('rejects a malformed body with a field-named 400', async () => {
    const res = await send(server, 'POST', '/updateVolumes', JSON.stringify({ pod: { metadata: {} } }));
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toMatch(/pod\./);
  });
});
