import { describe, expect, it } from 'vitest';
import type { V1Deployment, V1Job, V1Node, V1PodList } from '@kubernetes/client-node';
import { eventually, runOk, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const { apply, box, kubectl, kubectlJson, logs, NODE, virtualPod } = stack;

let ns = '';
useStackNamespace('e2e-workloads', (created) => {
  ns = created;
});

function condition(n: V1Node, type: string) {
  return n.status?.conditions?.find((c) => c.type === type);
}

describe('the virtual nodes', () => {
  it('are Ready with capacity reported by their plugin (Docker Engine, Slurm partition)', async () => {
    const docker = await kubectlJson<V1Node>(['get', 'node', NODE.docker]);
    const slurm = await kubectlJson<V1Node>(['get', 'node', NODE.slurm]);
    for (const n of [docker, slurm]) {
      expect(condition(n, 'Ready')?.status).toBe('True');
      expect(condition(n, 'InterlinkConnectivity')?.status).toBe('True');
      expect(n.spec?.taints?.map((t) => t.key)).toContain('virtual-node.interlink/no-schedule');
    }
    const engineCpus = (await runOk('docker', ['info', '--format', '{{.NCPU}}'])).trim();
    expect(docker.status?.capacity?.['cpu']).toBe(engineCpus);
    const slurmCpus = (await runOk('sinfo', ['--noheader', '--partition=debug', '--Node', '--format=%c']))
      .split('\n')
      .filter(Boolean)
      .reduce((sum, c) => sum + Number(c), 0);
    expect(slurm.status?.capacity?.['cpu']).toBe(String(slurmCpus));
  });
});

describe('controllers whose pods land on the virtual node', () => {
  it('a Job runs to completion on vk-docker', async () => {
    const template = virtualPod('docker', 'unused', {
      containers: [box('work', 'echo computing; echo result=42')],
    });
    const job: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'compute' },
      spec: { backoffLimit: 0, template: { metadata: { labels: { app: 'compute' } }, spec: template.spec! } },
    };
    await apply(ns, job);
    await eventually(
      'Job complete',
      async () =>
        (await kubectlJson<V1Job>(['get', 'job', '-n', ns, 'compute'])).status?.succeeded === 1
          ? true
          : undefined,
      120_000,
      500,
    );
    const pods = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns, '-l', 'app=compute']);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.spec?.nodeName).toBe(NODE.docker);
    expect(await logs(ns, pods.items[0]!.metadata!.name!)).toBe('computing\nresult=42\n');
  }, 180_000);

  it('a Deployment with two replicas becomes Available on vk-docker, and scales down', async () => {
    const template = virtualPod('docker', 'unused', {
      restartPolicy: 'Always',
      containers: [box('web', 'trap "exit 0" TERM; while true; do sleep 1; done')],
    });
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: template.spec! },
      },
    };
    await apply(ns, deployment);
    await eventually(
      '2 available replicas',
      async () =>
        (await kubectlJson<V1Deployment>(['get', 'deployment', '-n', ns, 'web'])).status
          ?.availableReplicas === 2
          ? true
          : undefined,
      120_000,
      500,
    );
    const pods = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns, '-l', 'app=web']);
    expect(pods.items.map((p) => p.spec?.nodeName)).toEqual([NODE.docker, NODE.docker]);
    await kubectl(['scale', 'deployment', '-n', ns, 'web', '--replicas=0']);
    await eventually(
      'pods gone',
      async () =>
        (await kubectlJson<V1PodList>(['get', 'pods', '-n', ns, '-l', 'app=web'])).items.length === 0
          ? true
          : undefined,
      120_000,
      500,
    );
    for (const p of pods.items) {
      expect(
        (
          await runOk('docker', ['ps', '-aq', '--filter', `label=interlink.pod-uid=${p.metadata!.uid}`])
        ).trim(),
      ).toBe('');
    }
  }, 240_000);
});
