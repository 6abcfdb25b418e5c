import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { ensureBench, waitFor } from '../src';

describe('bench: Kubernetes control plane', () => {
  let core: CoreV1Api;
  const ns = `smoke-${Date.now().toString(36)}`;
  const nodeName = `smoke-node-${Date.now().toString(36)}`;

  beforeAll(async () => {
    const env = await ensureBench(['k8s']);
    const kc = new KubeConfig();
    kc.loadFromFile(env.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  }, 3_600_000);

  afterAll(async () => {
    await core?.deleteNamespace({ name: ns }).catch(() => undefined);
    await core?.deleteNode({ name: nodeName }).catch(() => undefined);
  });

  const pod = (name: string, node: string): V1Pod => ({
    metadata: { name, namespace: ns },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'main', image: 'busybox:latest', command: ['true'] }],
    },
  });

  it('creates a Pod and reads it back; it stays Pending while its node does not exist', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('waiting', 'no-such-node') });
    const read = await core.readNamespacedPod({ name: 'waiting', namespace: ns });
    expect(read.metadata?.uid).toMatch(/[0-9a-f-]{36}/);
    expect(read.spec?.containers[0]?.image).toBe('busybox:latest');
    // The scheduler looked at it and found no node (not merely: nobody looked yet).
    const condition = await waitFor(
      'kube-scheduler to report the pod unschedulable',
      async () => {
        const p = await core.readNamespacedPod({ name: 'waiting', namespace: ns });
        return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      },
      { timeoutMs: 30_000 },
    );
    expect(condition.reason).toBe('Unschedulable');
    // "no nodes available to schedule pods" on a cluster without nodes; else "0/N nodes are
    // available: ..." with each node's first failing filter (the selector mismatch, or a taint
    // such as node.kubernetes.io/unreachable on a virtual node another test left NotReady).
    expect(condition.message).toMatch(/no nodes available|0\/\d+ nodes are available/);
    const again = await core.readNamespacedPod({ name: 'waiting', namespace: ns });
    expect(again.status?.phase).toBe('Pending');
    expect(again.spec?.nodeName).toBeUndefined();
  });

  it('schedules a tolerating Pod onto a tainted Node object created by the test', async () => {
    await core.createNode({
      body: {
        metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, type: 'virtual-kubelet' } },
        spec: {
          taints: [{ key: 'virtual-node.interlink/no-schedule', value: 'true', effect: 'NoSchedule' }],
        },
      },
    });
    await core.patchNodeStatus(
      {
        name: nodeName,
        body: {
          status: {
            capacity: { cpu: '4', memory: '8Gi', pods: '20' },
            allocatable: { cpu: '4', memory: '8Gi', pods: '20' },
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'SmokeTest',
                message: 'created by a test',
                lastHeartbeatTime: new Date(),
                lastTransitionTime: new Date(),
              },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.createNamespacedPod({ namespace: ns, body: pod('placed', nodeName) });
    const placed = await waitFor(
      'kube-scheduler to bind the pod',
      async () => {
        const p = await core.readNamespacedPod({ name: 'placed', namespace: ns });
        return p.spec?.nodeName;
      },
      { timeoutMs: 30_000 },
    );
    expect(placed).toBe(nodeName);

    // The toleration is what lets it in: the same pod without it is refused by the taint.
    const intolerant = pod('intolerant', nodeName);
    delete intolerant.spec!.tolerations;
    await core.createNamespacedPod({ namespace: ns, body: intolerant });
    const refused = await waitFor(
      'kube-scheduler to refuse the pod without the toleration',
      async () => {
        const p = await core.readNamespacedPod({ name: 'intolerant', namespace: ns });
        expect(p.spec?.nodeName).toBeUndefined();
        return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      },
      { timeoutMs: 30_000 },
    );
    expect(refused.reason).toBe('Unschedulable');
    expect(refused.message).toContain('virtual-node.interlink/no-schedule');
  });

  it('issues service-account tokens (TokenRequest)', async () => {
    await waitFor('default service account', async () =>
      core.readNamespacedServiceAccount({ name: 'default', namespace: ns }).then(() => true),
    );
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: ns,
      body: { spec: { audiences: ['interlink-test'], expirationSeconds: 600 } },
    });
    expect(tr.status?.token?.split('.')).toHaveLength(3);
  });
});
