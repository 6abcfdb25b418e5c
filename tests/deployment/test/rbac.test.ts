import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { grantedPermissions, permissionOf, scanApiCalls } from './support/api-calls';
import { ensureBench, repoRoot, run, runOk } from '@interlink/testbench';

const rbacFile = join(repoRoot, 'kustomizations/base/rbac.yaml');
const scan = scanApiCalls(join(repoRoot, 'apps/virtual-kubelet/src'), repoRoot);
const needed = [...new Set(scan.calls.map(permissionOf))].sort();
const docs = parseAllDocuments(readFileSync(rbacFile, 'utf8')).map(
  (d) => d.toJS() as { kind?: string; rules?: never[] },
);

describe('RBAC of the virtual kubelet (kustomizations/base/rbac.yaml) against its code', () => {
  it('resolves every Kubernetes API call site in apps/virtual-kubelet/src', () => {
    expect(scan.unresolved).toEqual([]);
    // The controller registers a node, keeps a lease, watches pods, writes statuses: a scan that
    // finds fewer call sites has lost track of the code.
    expect(scan.calls.length).toBeGreaterThanOrEqual(20);
    expect(needed).toEqual(
      expect.arrayContaining([
        'core/nodes:create',
        'core/pods:watch',
        'coordination.k8s.io/leases:update',
        'core/pods/status:update',
      ]),
    );
  });

  it('grants every permission the code uses', () => {
    const granted = new Set(grantedPermissions(docs));
    const missing = needed.filter((p) => !granted.has(p));
    const sites = missing.map(
      (p) =>
        `${p} (${scan.calls
          .filter((c) => permissionOf(c) === p)
          .map((c) => c.where)
          .join(', ')})`,
    );
    expect(sites).toEqual([]);
  });

  it('grants nothing the code does not use', () => {
    const extra = grantedPermissions(docs).filter((p) => !needed.includes(p));
    expect(extra).toEqual([]);
  });

  it('keeps the node Lease permissions in kube-node-lease, everything else cluster-wide', () => {
    const role = docs.find((d) => d.kind === 'Role') as { metadata: { namespace: string } } | undefined;
    expect(role?.metadata.namespace).toBe('kube-node-lease');
    const roleOnly = grantedPermissions(docs.filter((d) => d.kind === 'Role'));
    expect(roleOnly.every((p) => p.startsWith('coordination.k8s.io/leases:'))).toBe(true);
    const bindings = docs.filter(
      (d) => d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding',
    ) as unknown as Array<{
      subjects: Array<{ kind: string; name: string; namespace: string }>;
    }>;
    expect(bindings).toHaveLength(2);
    for (const b of bindings)
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'virtual-kubelet', namespace: 'interlink' },
      ]);
  });

  it('the scanner rebuilds paths from templates, constants, fields and parameters', () => {
    const byWhere = (file: string) =>
      scan.calls.filter((c) => c.where.includes(file)).map((c) => `${c.method} ${c.path}`);
    expect(byWhere('node-registrar.ts')).toContain('PATCH /api/v1/nodes/{}/status');
    expect(byWhere('csr-cert-source.ts')).toContain(
      'DELETE /apis/certificates.k8s.io/v1/certificatesigningrequests/{}',
    );
    expect(byWhere('api-object-source.ts')).toEqual(
      expect.arrayContaining([
        'GET /api/v1/namespaces/{}/secrets/{}',
        'GET /api/v1/namespaces/{}/configmaps/{}',
      ]),
    );
    expect(permissionOf({ where: 'x', method: 'GET', path: '/api/v1/pods', watch: true })).toBe(
      'core/pods:watch',
    );
    expect(
      permissionOf({
        where: 'x',
        method: 'POST',
        path: '/api/v1/namespaces/{}/serviceaccounts/{}/token',
        watch: false,
      }),
    ).toBe('core/serviceaccounts/token:create');
  });
});

describe('the RBAC applied to the bench API server grants what the code calls', () => {
  const SA = '--as=system:serviceaccount:interlink:virtual-kubelet';
  let kubeconfig = '';
  const canI = async (args: string[]) =>
    (await run('kubectl', ['auth', 'can-i', ...args, SA], { env: { KUBECONFIG: kubeconfig } })).stdout.trim();

  beforeAll(async () => {
    kubeconfig = (await ensureBench(['k8s'])).kubeconfig;
    await runOk(
      'kubectl',
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '-f',
        'kustomizations/base/namespace.yaml',
        '-f',
        rbacFile,
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );
  }, 600_000);

  it('kubectl auth can-i answers yes for every permission found in apps/virtual-kubelet/src', async () => {
    const denied: string[] = [];
    for (const perm of needed) {
      const [, group, resource, sub, verb] = /^([^/]+)\/([^/:]+)(?:\/([^:]+))?:(\w+)$/.exec(perm)!;
      const answer = await canI([
        verb!,
        group === 'core' ? resource! : `${resource}.${group}`,
        ...(sub ? [`--subresource=${sub}`] : []),
        ...(resource === 'leases' ? ['-n', 'kube-node-lease'] : ['-A']),
      ]);
      if (answer !== 'yes') denied.push(`${perm}: ${answer}`);
    }
    expect(denied).toEqual([]);
  }, 120_000);

  it('and no for what the code does not do (the check can say no)', async () => {
    expect(await canI(['update', 'leases.coordination.k8s.io', '-n', 'default'])).toBe('no');
    expect(await canI(['list', 'secrets', '-A'])).toBe('no');
    expect(await canI(['create', 'pods', '-A'])).toBe('no');
    expect(await canI(['update', 'nodes', '-A'])).toBe('no');
    expect(
      await canI(['patch', 'certificatesigningrequests.certificates.k8s.io', '--subresource=approval', '-A']),
    ).toBe('no');
  }, 60_000);
});
