import { describe, expect, it } from 'vitest';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { MapObjects } from '../../../test/support/map-objects';
import { MissingObjectError, PodSpecError } from '../object-source';
import { EnvResolver } from './env-resolver';
import { expandVars } from './expansion';
import { formatMap, goQuote, resourceFieldValue } from './field-ref';
import { serviceEnvVars } from './service-env';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function setup() {
  const objects = new MapObjects();
  objects.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { MODE: 'fast', 'bad=name': 'x', LEVEL: '3' } });
  objects.secrets.set('ns/creds', { metadata: { name: 'creds' }, data: { USER: b64('alice'), PASS: b64('s3cr$t "q"') } });
  objects.svc.set('default', [{ metadata: { name: 'kubernetes' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } }]);
  objects.svc.set('ns', [
    { metadata: { name: 'my-db' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 5432 }] } },
    { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  ]);
  const resolver = new EnvResolver(objects, { nodeAllocatable: () => ({ cpu: '100', memory: '3000G' }) });
  return { objects, resolver };
}

function pod(container: V1Container, spec: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name: 'web-1', namespace: 'ns', uid: 'uid-9', labels: { app: 'web', tier: 'a"b' }, annotations: { note: 'x' } },
    spec: { containers: [container], nodeName: 'vk', serviceAccountName: 'sa', ...spec },
  };
}

async function envOf(container: V1Container, spec: Partial<V1Pod['spec']> = {}, fix = setup()) {
  const p = pod(container, spec);
  const svc = await fix.resolver.serviceEnv(p);
  const out = await fix.resolver.resolve(p, p.spec!.containers[0]!, svc, { podIP: '10.1.2.3', hostIP: '192.168.1.5' });
  return { ...out, map: new Map(out.env.map((e) => [e.name, e.value])) };
}

describe('expandVars (kubelet expansion rules)', () => {
  const vars = new Map([
    ['A', 'alpha'],
    ['B', 'beta'],
  ]);
  it.each([
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['a$', 'a$'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['100$', '100$'],
    ['$()', '$()'],
    ['$(A)$(B)', 'alphabeta'],
  ])('%s → %s', (input, expected) => expect(expandVars(input, (n) => vars.get(n))).toBe(expected));
});

describe('EnvResolver', () => {
  it('resolves values, refs, envFrom with prefix and expansion in kubelet order', async () => {
    const { env, map } = await envOf({
      name: 'c',
      image: 'x',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
      env: [
        { name: 'GREETING', value: 'hi $(USER) in $(CFG_MODE) at $(MY_DB_SERVICE_HOST)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'SELF', value: '$(POD)/$(LATER)' },
        { name: 'LATER', value: 'later' },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASS' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
        { name: 'CFG_MODE', value: 'overridden' },
      ],
    });
    expect(map.get('GREETING')).toBe('hi alice in fast at 10.96.0.20');
    expect(map.get('SELF')).toBe('web-1/$(LATER)');
    expect(map.get('PASSWORD')).toBe('s3cr$t "q"');
    expect(map.get('LEVEL')).toBe('3');
    expect(map.get('CFG_MODE')).toBe('overridden');
    expect(map.has('CFG_bad=name')).toBe(false);
    expect(map.get('USER')).toBe('alice');
    // envFrom entries first, then env in spec order, then remaining service variables.
    const names = env.map((e) => e.name);
    expect(names.slice(0, 5)).toEqual(['CFG_MODE', 'CFG_LEVEL', 'USER', 'PASS', 'GREETING']);
    expect(names.indexOf('KUBERNETES_SERVICE_HOST')).toBeGreaterThan(names.indexOf('LEVEL'));
    expect(new Set(names).size).toBe(names.length);
    expect(env.every((e) => e.valueFrom === undefined && typeof e.value === 'string')).toBe(true);
  });

  it('adds service links: kubernetes always, namespace services only when enabled, headless never', async () => {
    const on = (await envOf({ name: 'c', image: 'x' })).map;
    expect(on.get('KUBERNETES_SERVICE_HOST')).toBe('10.96.0.1');
    expect(on.get('KUBERNETES_SERVICE_PORT_HTTPS')).toBe('443');
    expect(on.get('KUBERNETES_PORT_443_TCP')).toBe('tcp://10.96.0.1:443');
    expect(on.get('MY_DB_PORT')).toBe('tcp://10.96.0.20:5432');
    expect(on.has('HEADLESS_SERVICE_HOST')).toBe(false);
    const off = (await envOf({ name: 'c', image: 'x' }, { enableServiceLinks: false })).map;
    expect(off.has('MY_DB_SERVICE_HOST')).toBe(false);
    expect(off.get('KUBERNETES_SERVICE_HOST')).toBe('10.96.0.1');
  });

  it('explicit env wins over service variables', async () => {
    const { map } = await envOf({ name: 'c', image: 'x', env: [{ name: 'KUBERNETES_SERVICE_HOST', value: 'mine' }] });
    expect(map.get('KUBERNETES_SERVICE_HOST')).toBe('mine');
  });

  it('replaces (never duplicates) the kubernetes variables with KubernetesApiAddr/Port', async () => {
    const fix = setup();
    const resolver = new EnvResolver(fix.objects, { nodeAllocatable: () => ({}), apiOverride: { host: 'api.example.org', port: '6443' } });
    const { env, map } = await envOf({ name: 'c', image: 'x' }, {}, { ...fix, resolver });
    expect(map.get('KUBERNETES_SERVICE_HOST')).toBe('api.example.org');
    expect(map.get('KUBERNETES_PORT_443_TCP')).toBe('tcp://api.example.org:6443');
    expect(env.filter((e) => e.name === 'KUBERNETES_SERVICE_HOST')).toHaveLength(1);
  });

  it('resolves every downward API field path, status.* included', async () => {
    const fields = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", "metadata.annotations['note']", 'spec.nodeName', 'spec.serviceAccountName', 'status.podIP', 'status.hostIP', 'status.podIPs', 'status.hostIPs'];
    const { map } = await envOf({ name: 'c', image: 'x', env: fields.map((f, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath: f } } })) });
    expect(fields.map((_, i) => map.get(`F${i}`))).toEqual(['web-1', 'ns', 'uid-9', 'web', 'x', 'vk', 'sa', '10.1.2.3', '192.168.1.5', '10.1.2.3', '192.168.1.5']);
  });

  it('resolves resourceFieldRef with divisors, defaulting limits to node allocatable', async () => {
    const { map } = await envOf({
      name: 'c',
      image: 'x',
      resources: { limits: { cpu: '1500m', memory: '1Gi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_MILLI', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      ],
    });
    expect([map.get('CPU_LIMIT'), map.get('CPU_MILLI'), map.get('CPU_REQ'), map.get('MEM_MI'), map.get('MEM_REQ')]).toEqual(['2', '1500', '250', '1024', '1073741824']);
    const other = await envOf({ name: 'c', image: 'x', env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] });
    expect(other.map.get('CPU')).toBe('100');
  });

  it('expands $(VAR) in command and args with the final environment', async () => {
    const out = await envOf({ name: 'c', image: 'x', command: ['sh', '-c', 'echo $(MSG) $$HOME'], args: ['$(POD)', '$(NOPE)'], env: [{ name: 'MSG', value: 'hello' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    expect(out.command).toEqual(['sh', '-c', 'echo hello $HOME']);
    expect(out.args).toEqual(['web-1', '$(NOPE)']);
  });

  it.each([
    [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }, 'configmap "nope" not found'],
    [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOKEY' } } }, "couldn't find key NOKEY in ConfigMap ns/cfg"],
    [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }, 'secret "nope" not found'],
    [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOKEY' } } }, "couldn't find key NOKEY in Secret ns/creds"],
  ])('a missing mandatory reference names the object (%#)', async (env, message) => {
    const err = await envOf({ name: 'c', image: 'x', env: [env] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingObjectError);
    expect((err as Error).message).toBe(message);
  });

  it('skips optional missing references', async () => {
    const { map } = await envOf({
      name: 'c',
      image: 'x',
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOKEY', optional: true } } },
      ],
    });
    expect(map.get('A')).toBe('');
    expect(map.get('B')).toBe('');
  });

  it('a missing mandatory envFrom source is an error', async () => {
    await expect(envOf({ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'gone' } }] })).rejects.toThrow('secret "gone" not found');
  });

  it('an unsupported field path is a spec error, not a crash', async () => {
    await expect(envOf({ name: 'c', image: 'x', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] })).rejects.toBeInstanceOf(PodSpecError);
  });
});

describe('downward API helpers', () => {
  it('formats labels like the kubelet (sorted, Go-quoted)', () => {
    expect(formatMap({ b: 'two', a: 'say "hi"\n', c: 'é\x7f' })).toBe('a="say \\"hi\\"\\n"\nb="two"\nc="é\\x7f"');
    expect(goQuote('tab\there\\')).toBe('"tab\\there\\\\"');
  });

  it('computes memory and cpu with rounding up', () => {
    const c: V1Container = { name: 'c', resources: { limits: { cpu: '100m', memory: '1500Ki' } } };
    expect(resourceFieldValue(c, 'limits.cpu', '1', {})).toBe('1');
    expect(resourceFieldValue(c, 'limits.memory', '1Mi', {})).toBe('2');
    expect(() => resourceFieldValue(c, 'limits.cpu', '0', {})).toThrow();
  });

  it('builds docker-link variables with IPv6 brackets and named ports', () => {
    const vars = new Map(serviceEnvVars({ metadata: { name: 'web-api' }, spec: { clusterIP: 'fd00::1', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } }));
    expect(vars.get('WEB_API_SERVICE_HOST')).toBe('fd00::1');
    expect(vars.get('WEB_API_SERVICE_PORT')).toBe('80');
    expect(vars.get('WEB_API_SERVICE_PORT_HTTP')).toBe('80');
    expect(vars.get('WEB_API_PORT')).toBe('tcp://[fd00::1]:80');
    expect(vars.get('WEB_API_PORT_53_UDP')).toBe('udp://[fd00::1]:53');
    expect(vars.get('WEB_API_PORT_53_UDP_PROTO')).toBe('udp');
  });
});
