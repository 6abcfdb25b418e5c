import { describe, expect, it } from 'vitest';
import type { V1PodList } from '@kubernetes/client-node';
import { eventually, runOk, sleep, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const { box, killComponent, kubectl, kubectlJson, remoteInstances, remoteLive, virtualPod, waitPhase } =
  stack;

// Pods created and deleted while a component is down: deletes that cannot reach the backend (or
// that no virtual kubelet sees) must still remove the remote container/job once it is back, and
// no pod may run twice.

const PODS = 50;

let ns = '';
useStackNamespace('e2e-churn', (created) => {
  ns = created;
});

// Kill -9 and restart, in turn, each component of both virtual nodes.
describe.each([
  ['docker', 'vk-docker'],
  ['docker', 'relay-docker'],
  ['docker', 'docker-sidecar'],
  ['slurm', 'vk-slurm'],
  ['slurm', 'relay-slurm'],
  ['slurm', 'slurm-sidecar'],
] as const)('%s backend: pods created and deleted while %s is killed', (backend, component) => {
  it(`${PODS} pods: kept ones run exactly once and succeed, deleted ones leave nothing behind`, async () => {
    const prefix = `churn-${component}`;
    const pods = Array.from({ length: PODS }, (_, i) =>
      virtualPod(backend, `${prefix}-${i}`, { containers: [box('main', 'sleep 3; echo done')] }),
    );
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
    );
    await sleep(1000); // creates are in flight
    await killComponent(component);
    const doomed = pods.filter((_, i) => i % 2 === 1).map((p) => p.metadata!.name!);
    const kept = pods.filter((_, i) => i % 2 === 0).map((p) => p.metadata!.name!);
    const before = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns]);
    const uidOf = new Map(before.items.map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    await kubectl(['delete', 'pod', '-n', ns, '--wait=false', ...doomed]);
    await sleep(3000); // the virtual kubelet tries those deletes against a dead backend
    await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
      env: { STACK_SKIP_DEPS: '1' },
      timeoutMs: 600_000,
    });

    for (const name of kept) await waitPhase(ns, name, ['Succeeded'], 240_000);
    await eventually(
      'deleted pods gone from the API',
      async () => {
        const left = (await kubectlJson<V1PodList>(['get', 'pods', '-n', ns])).items.filter((p) =>
          doomed.includes(p.metadata!.name!),
        );
        return left.length === 0 ? true : undefined;
      },
      180_000,
      1000,
    );
    for (const name of kept)
      expect(await remoteInstances(backend, uidOf.get(name)!), `${name} remote instances`).toBe(1);
    await eventually(
      'no remote container/job left for deleted pods',
      async () => {
        for (const name of doomed) if ((await remoteLive(backend, uidOf.get(name)!)) > 0) return undefined;
        return true;
      },
      60_000,
      1000,
    );
    for (const name of doomed)
      expect(
        await remoteInstances(backend, uidOf.get(name)!),
        `${name} remote instances`,
      ).toBeLessThanOrEqual(1);

    await kubectl(['delete', 'pod', '-n', ns, '--wait=true', '--timeout=120s', ...kept]);
    await eventually(
      'no remote container/job left at all',
      async () => {
        for (const uid of uidOf.values()) if ((await remoteLive(backend, uid)) > 0) return undefined;
        return true;
      },
      60_000,
      1000,
    );
  }, 600_000);
});

// A pod force-deleted while its virtual kubelet is down is never seen again by any watch: the
// node controller's orphan sweep at start (GET /listPods) must remove its container/job.
describe.each([
  ['docker', 'vk-docker'],
  ['slurm', 'vk-slurm'],
] as const)('%s backend: pod force-deleted while %s is down', (backend, component) => {
  it('its remote container/job is removed when the node controller is back; other pods keep running', async () => {
    const orphan = virtualPod(backend, `orphan-${backend}`, { containers: [box('main', 'sleep 600')] });
    const survivor = virtualPod(backend, `keep-${backend}`, { containers: [box('main', 'sleep 600')] });
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [orphan, survivor] }),
    );
    for (const p of [orphan, survivor]) await waitPhase(ns, p.metadata!.name!, ['Running'], 180_000);
    const pods = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns]);
    const uidOf = (name: string) => pods.items.find((p) => p.metadata!.name === name)!.metadata!.uid!;
    const orphanUid = uidOf(orphan.metadata!.name!);
    const survivorUid = uidOf(survivor.metadata!.name!);

    await killComponent(component);
    await kubectl(['delete', 'pod', '-n', ns, '--force', '--grace-period=0', orphan.metadata!.name!]);
    expect(await remoteLive(backend, orphanUid), 'still running while nobody watches').toBeGreaterThan(0);
    await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
      env: { STACK_SKIP_DEPS: '1' },
      timeoutMs: 600_000,
    });

    await eventually(
      'orphaned remote container/job removed',
      async () => ((await remoteLive(backend, orphanUid)) === 0 ? true : undefined),
      90_000,
      1000,
    );
    expect(await remoteLive(backend, survivorUid), 'a tracked pod is not collected').toBeGreaterThan(0);
    await waitPhase(ns, survivor.metadata!.name!, ['Running'], 10_000);
    await kubectl(['delete', 'pod', '-n', ns, '--wait=true', '--timeout=120s', survivor.metadata!.name!]);
  }, 600_000);
});
