import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig, V1Pod, V1TokenReview } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { uncoveredAccess } from '../src/kube/rbac';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, getPod, kubectl, startVk, suffix, virtualPod, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
let started: StartedVk;
const id = suffix();
const nodeName = `vk-cfg-${id}`;
const ns = `vk-cfg-${id}`;

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  await createNamespace(admin, ns);
  relay = new TestRelay();
  await relay.start();
  started = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString });
});

afterAll(async () => {
  try {
    await deleteNamespace(admin, ns);
    await started?.vk.stop();
    await relay?.stop();
  } finally {
    await cleanupNode(admin, nodeName);
    admin?.close();
  }
});

async function apply(obj: unknown): Promise<void> {
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
}
async function pod(name: string): Promise<V1Pod> {
  const p = await getPod(admin, ns, name);
  if (!p) throw new Error(`pod ${name} not found`);
  return p;
}

describe('ConfigMaps, Secrets, projected and downward API volumes, env', () => {
  it('sends resolved env and every volume source to the plugin', async () => {
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { MODE: 'fast', 'settings.ini': '[a]\nb=1\n' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' }, stringData: { PASSWORD: 'p@ss "quoted" $HOME', 'key.pem': 'KEY' } });
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-db' }, spec: { ports: [{ port: 5432 }] } });
    await apply(
      virtualPod(
        nodeName,
        'configured',
        {
          volumes: [
            { name: 'cfg', configMap: { name: 'app-config' } },
            { name: 'sec', secret: { secretName: 'app-secret' } },
            {
              name: 'token',
              projected: {
                sources: [
                  { serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 3600 } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { secret: { name: 'app-secret', items: [{ key: 'key.pem', path: 'tls/key.pem' }] } },
                ],
              },
            },
            { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } }] } },
          ],
          containers: [
            {
              name: 'main',
              image: 'busybox:latest',
              command: ['sh', '-c', 'echo $(GREETING)'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'GREETING', value: 'hello $(MODE) from $(POD_NAME)' },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'PASSWORD' } } },
                { name: 'CPU_MILLI', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              ],
              envFrom: [{ configMapRef: { name: 'app-config' } }],
              resources: { limits: { cpu: '500m', memory: '256Mi' } },
              volumeMounts: [
                { name: 'cfg', mountPath: '/etc/app' },
                { name: 'sec', mountPath: '/etc/secret' },
                { name: 'token', mountPath: '/var/run/vault' },
                { name: 'info', mountPath: '/etc/podinfo' },
              ],
            },
          ],
        },
        { labels: { app: 'configured' } },
      ),
    );
    await expect.poll(async () => (await pod('configured')).status?.phase, { timeout: 20_000 }).toBe('Running');
    const uid = (await pod('configured')).metadata!.uid!;
    const data = relay.backend.podData(uid)!;
    const main = data.pod.spec!.containers[0]!;
    const env = new Map(main.env!.map((e) => [e.name, e.value]));
    expect(env.get('GREETING')).toBe('hello fast from configured');
    expect(env.get('NODE')).toBe(nodeName);
    expect(env.get('PASSWORD')).toBe('p@ss "quoted" $HOME');
    expect(env.get('CPU_MILLI')).toBe('500');
    expect(env.get('MODE')).toBe('fast');
    expect(env.get('MY_DB_SERVICE_PORT')).toBe('5432');
    expect(env.get('KUBERNETES_SERVICE_HOST')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(main.envFrom).toBeUndefined();
    expect(main.command).toEqual(['sh', '-c', 'echo hello fast from configured']);
    expect(main.env!.every((e) => e.valueFrom === undefined)).toBe(true);

    const byName = (list: Array<{ metadata?: { name?: string } }>, name: string) => list.find((x) => x.metadata?.name === name);
    const c = data.container.find((x) => x.name === 'main')!;
    expect(byName(c.configMaps, 'app-config')).toMatchObject({ data: { MODE: 'fast' } });
    expect(Buffer.from((byName(c.secrets, 'app-secret') as { data: Record<string, string> }).data['key.pem']!, 'base64').toString()).toBe('KEY');
    const token = byName(c.projectedvolumemaps, 'token') as { data: Record<string, string> };
    expect(token.data['ca.crt']).toContain('BEGIN CERTIFICATE');
    expect(token.data['tls/key.pem']).toBe('KEY');
    const info = byName(c.projectedvolumemaps, 'info') as { data: Record<string, string> };
    expect(info.data).toEqual({ labels: 'app="configured"', mem: '256' });
    expect(data.pod.spec!.volumes!.find((v) => v.name === 'info')?.projected).toBeDefined();

    // The token is real: bound to the pod, with the requested audience.
    const review = await admin.request<V1TokenReview>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.data['vault-token'], audiences: ['vault'] } },
    });
    expect(review.status?.authenticated).toBe(true);
    expect(review.status?.user?.username).toBe(`system:serviceaccount:${ns}:default`);
    expect(review.status?.user?.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['configured']);
    expect(review.status?.audiences).toEqual(['vault']);
  });

  it('waits with CreateContainerConfigError for a missing ConfigMap, then runs once it exists', async () => {
    await apply(
      virtualPod(nodeName, 'needs-config', {
        containers: [{ name: 'main', image: 'busybox:latest', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'late-config', key: 'x' } } }] }],
      }),
    );
    await expect
      .poll(async () => (await pod('needs-config')).status?.containerStatuses?.[0]?.state?.waiting, { timeout: 20_000 })
      .toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "late-config" not found' });
    const waiting = await pod('needs-config');
    expect(waiting.status?.phase).toBe('Pending');
    expect(relay.backend.has(waiting.metadata!.uid!)).toBe(false);
    const ev = await admin.request<{ items: Array<{ reason: string; message: string; type: string }> }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events`, query: { fieldSelector: 'involvedObject.name=needs-config' } });
    expect(ev.items).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Warning', reason: 'Failed', message: 'Error: configmap "late-config" not found' })]));

    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late-config' }, data: { x: 'finally' } });
    await expect.poll(async () => (await pod('needs-config')).status?.phase, { timeout: 45_000 }).toBe('Running');
    const data = relay.backend.podData(waiting.metadata!.uid!)!;
    expect(data.pod.spec!.containers[0]!.env!.find((e) => e.name === 'X')?.value).toBe('finally');
  });

  it('names a missing Secret volume and honours optional ones', async () => {
    await apply(
      virtualPod(nodeName, 'needs-secret', {
        volumes: [
          { name: 'maybe', secret: { secretName: 'not-there', optional: true } },
          { name: 'must', secret: { secretName: 'also-missing' } },
        ],
      }),
    );
    await expect
      .poll(async () => (await pod('needs-secret')).status?.containerStatuses?.[0]?.state?.waiting?.message, { timeout: 20_000 })
      .toBe('secret "also-missing" not found');
  });

  it('uses only permissions listed in NODE_CONTROLLER_RULES', () => {
    expect(uncoveredAccess(started.access.values())).toEqual([]);
    expect(started.access.size).toBeGreaterThan(8);
  });
});
