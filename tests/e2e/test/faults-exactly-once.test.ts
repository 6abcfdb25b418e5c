import { describe, expect, it } from 'vitest';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { eventually, runOk, sleep, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const { NODE, box, dockerContainersOf, killComponent, kubectl, kubectlJson, remoteInstances, remoteLive, virtualPod } = stack;

// Exactly once across crashes: 30 pods applied in three waves; right after each wave one
// component is killed -9 while its creates are in flight (the relay, then the plugin, then
// the node controller) and restarted. Every pod must run once and succeed, and nothing may be
// left once the pods are deleted. The node controller's restart rule is what this guards: a
// pod is adopted only when the plugin lists it, and created again otherwise.

const WAVES = 3;
const PER_WAVE = 10;

let ns = '';
useStackNamespace('e2e-once', (created) => {
  ns = created;
});

async function restartStack(): Promise<void> {
  await runOk('bash', ['tools/scripts/stack.sh', 'up'], { env: { STACK_SKIP_DEPS: '1' }, timeoutMs: 600_000 });
}

async function phases(): Promise<Map<string, V1Pod>> {
  const list = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns]);
  return new Map(list.items.map((p) => [p.metadata!.name!, p]));
}

describe.each(['docker', 'slurm'] as const)('%s backend: relay, plugin, node controller killed -9 mid-creation', (backend) => {
  it(`${WAVES * PER_WAVE} pods: all Succeeded, one container/job each, nothing left after delete`, async () => {
    const components = [`relay-${backend}`, `${backend}-sidecar`, NODE[backend]];
    const names: string[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const pods = Array.from({ length: PER_WAVE }, (_, i) =>
        virtualPod(backend, `once-${backend}-${wave}-${i}`, { containers: [box('main', 'sleep 8; echo done')] }),
      );
      names.push(...pods.map((p) => p.metadata!.name!));
      await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }));
      await sleep(300); // creates of this wave are in flight
      await killComponent(components[wave]!);
      await sleep(2000); // the node controller meets the dead component
      await restartStack();
    }

    await eventually(
      `all ${names.length} pods Succeeded`,
      async () => {
        const now = await phases();
        const wrong = names.filter((n) => now.get(n)?.status?.phase === 'Failed');
        if (wrong.length > 0) {
          const first = now.get(wrong[0]!)!;
          throw new Error(`${wrong.length} pods Failed, e.g. ${wrong[0]}: ${JSON.stringify(first.status).slice(0, 2000)}`);
        }
        return names.every((n) => now.get(n)?.status?.phase === 'Succeeded') ? true : undefined;
      },
      420_000,
      2000,
    );
    const uids = [...(await phases()).values()].filter((p) => names.includes(p.metadata!.name!)).map((p) => p.metadata!.uid!);
    expect(uids).toHaveLength(WAVES * PER_WAVE);
    const counts = await Promise.all(uids.map((uid) => remoteInstances(backend, uid)));
    expect(counts, 'one container or job per pod').toEqual(uids.map(() => 1));

    await kubectl(['delete', 'pod', '-n', ns, '--wait=true', '--timeout=180s', ...names]);
    await eventually(
      'nothing left remotely',
      async () => {
        for (const uid of uids) {
          if ((await remoteLive(backend, uid)) > 0) return undefined;
          if (backend === 'docker' && (await dockerContainersOf(uid)).length > 0) return undefined;
        }
        return true;
      },
      90_000,
      1000,
    );
  }, 1_200_000);
});
