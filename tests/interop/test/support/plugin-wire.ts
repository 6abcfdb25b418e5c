import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { expect, it } from 'vitest';
import { eventually } from '@interlink/testbench';
import type { ChainContext } from './chain-suite';
import { dockerLeftovers } from './leftovers';
import { box, podOn } from './pod-kinds';

function wirePod(ctx: ChainContext, uid: string): Record<string, unknown> {
  const pod = podOn(ctx.chain.nodeName, `wire-${uid.slice(0, 8)}`, { containers: [box('c', 'sleep 30')] });
  return { ...pod, metadata: { ...pod.metadata, namespace: ctx.ns, uid } };
}

function pluginUrl(ctx: ChainContext, path: string): string {
  return `http://127.0.0.1:${ctx.chain.ports.plugin}${path}`;
}

/**
 * What upstream's programs send our Docker sidecar, straight on its wire (hop 2): upstream's node
 * controller sends /create in the background, so a /delete of the same UID can overtake it.
 */
export function createAfterDeleteTests(get: () => ChainContext): void {
  it('a /create arriving after the /delete of the same UID is refused (409) and starts nothing', async () => {
    const ctx = get();
    const uid = randomUUID();
    const pod = wirePod(ctx, uid);
    const del = await axios.post(pluginUrl(ctx, '/delete'), pod, { validateStatus: () => true });
    expect(del.status).toBeLessThan(500);
    const create = await axios.post(
      pluginUrl(ctx, '/create'),
      {
        pod,
        container: [
          { name: 'c', configMaps: null, secrets: null, projectedvolumemaps: null, emptyDirs: null },
        ],
      },
      { validateStatus: () => true },
    );
    expect(create.status).toBe(409);
    expect(JSON.stringify(create.data)).toMatch(/delet/i);
    expect(await dockerLeftovers([uid])).toEqual([]);
  }, 60_000);

  it('a /create with `jobConfig: {}` (Go zero value, any field missing) is accepted', async () => {
    const ctx = get();
    const uid = randomUUID();
    const pod = wirePod(ctx, uid);
    const create = await axios.post(
      pluginUrl(ctx, '/create'),
      { pod, container: [{ name: 'c' }], jobConfig: {} },
      { validateStatus: () => true },
    );
    expect(create.status, JSON.stringify(create.data)).toBe(200);
    expect(create.data).toMatchObject({ PodUID: uid });
    await axios.post(pluginUrl(ctx, '/delete'), pod);
    await eventually(
      `container of ${uid} removed`,
      async () => ((await dockerLeftovers([uid])).length === 0 ? true : undefined),
      60_000,
      500,
    );
  }, 90_000);
}
