import { describe, expect, it } from 'vitest';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { buildContainerSpec, type ContainerBuildInput } from '../../src/pod/container-spec-builder';
import { mapResources } from '../../src/pod/resource-mapper';
import { mapSecurity } from '../../src/pod/security-mapper';
import { PodSpecError } from '../../src/pod/pod-spec-error';
import { ContainerConfigError } from '../../src/pod/env-resolver';
import { buildSandboxSpec, needsSandbox, networkOwnerConfig } from '../../src/pod/pod-sandbox-spec';

const UID = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';
const ref = { namespace: 'ns', podName: 'web', uid: UID };

function input(
  c: Partial<V1Container>,
  pod: V1Pod = { metadata: { name: 'web', namespace: 'ns', uid: UID }, spec: { containers: [] } },
): ContainerBuildInput {
  return {
    pod,
    ref,
    container: { name: 'main', image: 'busybox:latest', ...c },
    role: 'app',
    index: 0,
    attempt: 2,
    netns: { sandboxId: 'sandbox123' },
    plan: { volumes: new Map() },
    env: new Map([['WHO', 'world']]),
    gpuDevices: [],
    imageUser: '',
    sidecar: 'test',
    logMaxSize: '10m',
    logMaxFiles: 5,
  };
}

describe('buildContainerSpec', () => {
  it('command replaces ENTRYPOINT and clears CMD; args replace CMD; arrays are never joined', () => {
    const both = buildContainerSpec(
      input({ command: ['/bin/sh', '-c'], args: ['echo "hi $(WHO)" && echo $HOME\nnext'] }),
    );
    expect(both.Entrypoint).toEqual(['/bin/sh', '-c']);
    // Literal: the node controller expanded $(VAR) already; `$$` must survive for the shell.
    expect(both.Cmd).toEqual(['echo "hi $(WHO)" && echo $HOME\nnext']);
    const commandOnly = buildContainerSpec(input({ command: ['echo', 'a b'] }));
    expect(commandOnly.Entrypoint).toEqual(['echo', 'a b']);
    expect(commandOnly.Cmd).toEqual([]);
    const argsOnly = buildContainerSpec(input({ args: ['--flag', 'x y'] }));
    expect(argsOnly.Entrypoint).toBeUndefined();
    expect(argsOnly.Cmd).toEqual(['--flag', 'x y']);
    const neither = buildContainerSpec(input({}));
    expect(neither.Entrypoint).toBeUndefined();
    expect(neither.Cmd).toBeUndefined();
  });

  it('owns the network itself when the pod has no sandbox', () => {
    const own = networkOwnerConfig(
      {
        metadata: { name: 'web' },
        spec: {
          hostname: 'h',
          containers: [{ name: 'main', ports: [{ containerPort: 80, hostPort: 8080 }] }],
        },
      },
      ref,
      'podnet',
    );
    const spec = buildContainerSpec({ ...input({}), netns: { own } });
    expect(spec.Hostname).toBe('h');
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'podnet',
      PortBindings: { '80/tcp': [{ HostPort: '8080' }] },
    });
    expect(spec.HostConfig!.IpcMode).toBeUndefined();
  });

  it('joins the sandbox namespaces, labels the instance, and sets env, workdir, log rotation', () => {
    const spec = buildContainerSpec(input({ workingDir: '/work', tty: true }));
    expect(spec.name).toBe(`il_main_web_ns_${UID}_2`);
    expect(spec.Env).toEqual(['WHO=world']);
    expect(spec.WorkingDir).toBe('/work');
    expect(spec.Tty).toBe(true);
    expect(spec.Labels).toMatchObject({
      'interlink.sidecar': 'test',
      'interlink.pod-uid': UID,
      'interlink.pod-namespace': 'ns',
      'interlink.pod-name': 'web',
      'interlink.container': 'main',
      'interlink.role': 'app',
      'interlink.attempt': '2',
    });
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'container:sandbox123',
      IpcMode: 'container:sandbox123',
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '5' } },
    });
  });
});

describe('mapResources', () => {
  it('maps limits and requests exactly', () => {
    expect(
      mapResources(
        {
          name: 'c',
          resources: {
            limits: { cpu: '1500m', memory: '256Mi' },
            requests: { cpu: '250m', memory: '128Mi' },
          },
        },
        [],
      ),
    ).toEqual({
      NanoCpus: 1_500_000_000,
      CpuShares: 256,
      Memory: 256 * 2 ** 20,
      MemorySwap: 256 * 2 ** 20,
      MemoryReservation: 128 * 2 ** 20,
    });
    expect(mapResources({ name: 'c', resources: { requests: { cpu: '2' } } }, [])).toEqual({
      CpuShares: 2048,
    });
    expect(mapResources({ name: 'c' }, [])).toEqual({});
  });

  it('asks for exactly the allocated GPUs', () => {
    expect(
      mapResources({ name: 'c', resources: { limits: { 'nvidia.com/gpu': '2' } } }, ['1', '3'])
        .DeviceRequests,
    ).toEqual([{ Driver: 'nvidia', DeviceIDs: ['1', '3'], Capabilities: [['gpu']] }]);
  });

  it('refuses what Docker cannot do, naming the container', () => {
    expect(() => mapResources({ name: 'tiny', resources: { limits: { memory: '1Mi' } } }, [])).toThrow(
      /"tiny".*minimum of 6Mi/,
    );
    expect(() => mapResources({ name: 'c', resources: { limits: { cpu: 'lots' } } }, [])).toThrow(
      PodSpecError,
    );
  });
});

describe('mapSecurity', () => {
  const pod = (sc: object = {}): V1Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [], securityContext: sc },
  });

  it('container settings win over pod settings', () => {
    expect(
      mapSecurity(
        pod({ runAsUser: 1000, runAsGroup: 2000 }),
        { name: 'c', securityContext: { runAsUser: 1001 } },
        '',
      ),
    ).toMatchObject({ User: '1001:2000' });
    expect(mapSecurity(pod({ runAsGroup: 50 }), { name: 'c' }, 'nobody')).toMatchObject({
      User: 'nobody:50',
    });
    expect(mapSecurity(pod({ fsGroup: 3000, supplementalGroups: [10] }), { name: 'c' }, '').GroupAdd).toEqual(
      ['10', '3000'],
    );
  });

  it('maps privileged, read-only root, capabilities, no-new-privileges and seccomp', () => {
    const s = mapSecurity(
      pod(),
      {
        name: 'c',
        securityContext: {
          privileged: true,
          readOnlyRootFilesystem: true,
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
          allowPrivilegeEscalation: false,
          seccompProfile: { type: 'Unconfined' },
        },
      },
      '',
    );
    expect(s).toEqual({
      Privileged: true,
      ReadonlyRootfs: true,
      CapAdd: ['CAP_NET_ADMIN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'],
    });
    expect(mapSecurity(pod(), { name: 'c' }, '')).toEqual({});
  });

  it('enforces runAsNonRoot against the effective user', () => {
    expect(() => mapSecurity(pod({ runAsNonRoot: true }), { name: 'c' }, '')).toThrow(ContainerConfigError);
    expect(() => mapSecurity(pod({ runAsNonRoot: true }), { name: 'c' }, 'app')).toThrow(/non-numeric user/);
    expect(mapSecurity(pod({ runAsNonRoot: true }), { name: 'c' }, '1000:1000')).toEqual({});
    expect(mapSecurity(pod({ runAsNonRoot: true, runAsUser: 5 }), { name: 'c' }, '')).toEqual({ User: '5' });
  });
});

describe('buildSandboxSpec', () => {
  it('owns the network, publishes hostPorts, carries DNS, hosts and sysctls, keeps memory volumes alive', () => {
    const pod: V1Pod = {
      metadata: { name: 'web', namespace: 'ns', uid: UID },
      spec: {
        hostname: 'front',
        containers: [
          {
            name: 'c',
            ports: [
              { containerPort: 80, hostPort: 8080 },
              { containerPort: 53, protocol: 'UDP' },
            ],
          },
        ],
        dnsConfig: {
          nameservers: ['10.0.0.10'],
          searches: ['ns.svc'],
          options: [{ name: 'ndots', value: '2' }],
        },
        hostAliases: [{ ip: '10.1.1.1', hostnames: ['db', 'cache'] }],
        securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      },
    };
    const plan = {
      volumes: new Map([
        ['fast', { name: 'fast', kind: 'memory' as const, dockerVolume: 'il_x_fast', sizeBytes: undefined }],
      ]),
    };
    const spec = buildSandboxSpec(pod, ref, plan, {
      image: 'busybox:latest',
      command: ['sleep', 'infinity'],
      network: 'bridge',
      sidecar: 'test',
    });
    expect(spec).toMatchObject({
      name: `il_POD_web_ns_${UID}`,
      Image: 'busybox:latest',
      Entrypoint: ['sleep'],
      Cmd: ['infinity'],
      Hostname: 'front',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { 'interlink.role': 'sandbox', 'interlink.pod-uid': UID },
      HostConfig: {
        NetworkMode: 'bridge',
        IpcMode: 'shareable',
        PortBindings: { '80/tcp': [{ HostPort: '8080' }] },
        Mounts: [{ Type: 'volume', Source: 'il_x_fast', Target: '/.interlink-volumes/fast' }],
        Dns: ['10.0.0.10'],
        DnsSearch: ['ns.svc'],
        DnsOptions: ['ndots:2'],
        ExtraHosts: ['db:10.1.1.1', 'cache:10.1.1.1'],
        Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      },
    });
  });
});

describe('needsSandbox', () => {
  const plan = { volumes: new Map() };
  const pod = (spec: object): V1Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a' }], ...spec },
  });
  it('only for pods whose containers share something', () => {
    expect(needsSandbox(pod({}), plan)).toBe(false);
    expect(needsSandbox(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), plan)).toBe(true);
    expect(needsSandbox(pod({ initContainers: [{ name: 'i' }] }), plan)).toBe(true);
    expect(needsSandbox(pod({ shareProcessNamespace: true }), plan)).toBe(true);
    expect(
      needsSandbox(
        pod({
          containers: [
            { name: 'a', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
          ],
        }),
        plan,
      ),
    ).toBe(true);
    const mem = {
      volumes: new Map([
        ['m', { name: 'm', kind: 'memory' as const, dockerVolume: 'v', sizeBytes: undefined }],
      ]),
    };
    expect(needsSandbox(pod({}), mem)).toBe(true);
  });
});
