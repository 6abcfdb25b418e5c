import { ensureBench, run, runOk } from '@interlink/testbench';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: unknown;
}
interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: unknown;
  startupProbe?: unknown;
  resources?: { requests?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  serviceAccountName: string;
  containers: Container[];
  volumes: Array<{
    name: string;
    emptyDir?: object;
    secret?: { secretName: string };
    configMap?: { name: string };
  }>;
}

const overlays = [
  'kustomizations',
  'kustomizations/base',
  'kustomizations/overlays/remote',
  'kustomizations/overlays/all-in-one',
];

async function render(dir: string): Promise<K8sObject[]> {
  const out = await runOk('kubectl', ['kustomize', dir]);
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}
const podSpec = (objs: K8sObject[]): PodSpec => {
  const dep = objs.find((o) => o.kind === 'Deployment');
  if (!dep) throw new Error('no Deployment rendered');
  return (dep.spec as { template: { spec: PodSpec } }).template.spec;
};
const configOf = (objs: K8sObject[], prefix: string): Record<string, unknown> => {
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(prefix));
  const text = cm?.data?.['InterLinkConfig.yaml'];
  if (!text) throw new Error(`no ConfigMap ${prefix}-* with InterLinkConfig.yaml`);
  return parse(text) as Record<string, unknown>;
};
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

describe('kustomizations render', () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(async () => {
    for (const dir of overlays) rendered.set(dir, await render(dir));
  });

  it.each(overlays)('%s: namespace, RBAC, config and the virtual kubelet Deployment', (dir) => {
    const objs = rendered.get(dir)!;
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/interlink',
        'ServiceAccount/virtual-kubelet',
        'ClusterRole/interlink-virtual-kubelet',
        'ClusterRoleBinding/interlink-virtual-kubelet',
        'Role/interlink-virtual-kubelet-lease',
        'RoleBinding/interlink-virtual-kubelet-lease',
        'ConfigMap/virtual-kubelet-config',
        'Deployment/virtual-kubelet',
      ]),
    );
    expect(objs.find((o) => o.kind === 'Role')?.metadata.namespace).toBe('kube-node-lease');
    const spec = podSpec(objs);
    expect(spec.serviceAccountName).toBe('virtual-kubelet');
    const vk = spec.containers.find((c) => c.name === 'virtual-kubelet')!;
    expect(envOf(vk, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    const kubeletPort = Number(envOf(vk, 'KUBELET_PORT')?.value);
    expect(vk.ports?.find((p) => p.name === 'kubelet')?.containerPort).toBe(kubeletPort);
    expect(envOf(vk, 'NODENAME')?.value).toMatch(/^[a-z0-9-]+$/);
    for (const c of spec.containers) {
      expect(c.livenessProbe, `${c.name} liveness`).toBeDefined();
      expect(c.startupProbe, `${c.name} startup`).toBeDefined();
      expect(c.resources?.requests?.['cpu'], `${c.name} cpu request`).toBeDefined();
      expect(c.resources?.requests?.['memory'], `${c.name} memory request`).toBeDefined();
    }
    // The config mounted is the one generated (hash suffix) for this overlay.
    const cmName = objs.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('virtual-kubelet-config'),
    )!.metadata.name;
    expect(spec.volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(cmName);
  });

  it('remote: HTTPS relay with the bearer token Secret mounted where VKTokenFile points', () => {
    const objs = rendered.get('kustomizations/overlays/remote')!;
    const cfg = configOf(objs, 'virtual-kubelet-config');
    expect(cfg['InterlinkURL']).toMatch(/^https:\/\//);
    const secret = objs.find((o) => o.kind === 'Secret')!;
    expect(Object.keys(secret.data ?? {})).toEqual(['token']);
    const spec = podSpec(objs);
    const vol = spec.volumes.find((v) => v.secret?.secretName === secret.metadata.name)!;
    const mount = spec.containers[0]!.volumeMounts!.find((m) => m.name === vol.name)!;
    expect(cfg['VKTokenFile']).toBe(`${mount.mountPath}/token`);
    // The root kustomization is this overlay.
    expect(rendered.get('kustomizations')).toEqual(objs);
  });

  it('all-in-one: virtual kubelet, relay and Docker sidecar in one pod over unix sockets on an emptyDir', () => {
    const objs = rendered.get('kustomizations/overlays/all-in-one')!;
    const spec = podSpec(objs);
    expect(spec.containers.map((c) => c.name).sort()).toEqual([
      'docker-sidecar',
      'interlink',
      'virtual-kubelet',
    ]);
    const sockets = spec.volumes.find((v) => v.name === 'sockets')!;
    expect(sockets.emptyDir).toBeDefined();
    for (const c of spec.containers)
      expect(c.volumeMounts?.find((m) => m.name === 'sockets')?.mountPath).toBe('/var/run/interlink');
    const vk = configOf(objs, 'virtual-kubelet-config');
    const relay = configOf(objs, 'interlink-relay-config');
    const sidecar = configOf(objs, 'docker-sidecar-config');
    expect(vk['InterlinkURL']).toBe(relay['InterlinkAddress']);
    expect(relay['SidecarURL']).toBe(sidecar['Socket']);
    for (const url of [relay['InterlinkAddress'], relay['SidecarURL']])
      expect(url).toMatch(/^unix:\/\/\/var\/run\/interlink\//);
  });
});

describe('kustomizations are accepted by the real API server (server-side dry run)', () => {
  beforeAll(async () => {
    const bench = await ensureBench(['k8s']);
    process.env['KUBECONFIG'] = bench.kubeconfig;
    // A dry run cannot create the namespace the other objects go into: create it for real.
    await runOk('kubectl', [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      'kustomizations/base/namespace.yaml',
    ]);
  }, 600_000);

  it.each(overlays)('%s', async (dir) => {
    const r = await run('kubectl', [
      'apply',
      '-k',
      dir,
      '--server-side',
      '--force-conflicts',
      '--dry-run=server',
    ]);
    expect(r.stderr.replace(/^Warning: .*$/gm, '').trim()).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/virtual-kubelet serverside-applied (server dry run)');
    expect(r.stdout).toContain(
      'clusterrole.rbac.authorization.k8s.io/interlink-virtual-kubelet serverside-applied (server dry run)',
    );
  });

  it('the API server refuses a broken object (the dry run is a real check)', async () => {
    const broken = (await runOk('kubectl', ['kustomize', 'kustomizations/base'])).replace(
      'containerPort: 10250',
      'containerPort: 70000',
    );
    const r = await run('kubectl', ['apply', '--server-side', '--dry-run=server', '-f', '-'], {
      input: broken,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/containerPort/);
  });
});
