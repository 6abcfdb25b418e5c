import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { PodCreateRequestsCodec, buildRetrievedPodData } from '@interlink/api';
import { MapObjects } from '../../test/support/map-objects';
import { EnvResolver } from './env/env-resolver';
import { MissingObjectError, PodSpecError } from './object-source';
import { PodCreateAssembler } from './pod-create-assembler';
import { ProjectedVolumeResolver, type TokenSource } from './volumes/projected-volume-resolver';
import type { TokenSpec } from './volumes/token-issuer';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

class RecordingTokens implements TokenSource {
  calls: TokenSpec[] = [];
  async token(_pod: V1Pod, spec: TokenSpec) {
    this.calls.push(spec);
    return `token-${spec.audience ?? 'api'}-${spec.expirationSeconds ?? 'default'}`;
  }
}

function setup(opts: { disableProjectedVolumes?: boolean; apiCaOverride?: string } = {}) {
  const objects = new MapObjects();
  objects.configMaps.set('ns/cfg', { metadata: { name: 'cfg', namespace: 'ns', uid: 'c1', managedFields: [{ manager: 'x' }] }, data: { 'run.mac': '/run/beamOn 10\n', other: 'o' }, binaryData: { 'blob.bin': b64(Buffer.from([0xff, 0x00, 0x01])) } });
  objects.configMaps.set('ns/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CLUSTER-CA' } });
  objects.secrets.set('ns/s3', { metadata: { name: 's3', namespace: 'ns', uid: 's1' }, data: { key: b64('AKIA'), 'raw.bin': b64(Buffer.from([0xc3, 0x28])) }, type: 'Opaque' });
  objects.svc.set('default', [{ metadata: { name: 'kubernetes' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } }]);
  const tokens = new RecordingTokens();
  const allocatable = () => ({ cpu: '100', memory: '3000G' });
  const env = new EnvResolver(objects, { nodeAllocatable: allocatable });
  const projected = new ProjectedVolumeResolver(objects, tokens, { nodeAllocatable: allocatable, apiCaOverride: opts.apiCaOverride });
  const assembler = new PodCreateAssembler(objects, env, projected, { disableProjectedVolumes: opts.disableProjectedVolumes ?? false, jobScriptBuilderURL: '' });
  return { objects, tokens, assembler };
}

function g4pod(): V1Pod {
  return {
    metadata: { name: 'g4sim-0', namespace: 'ns', uid: 'c09948fc-1b09-40b9-8883-0d67e795435e', labels: { app: 'g4' }, annotations: { 'slurm-job.vk.io/flags': '--partition=debug' }, managedFields: [{ manager: 'kubectl' }] },
    spec: {
      nodeName: 'vk',
      serviceAccountName: 'default',
      restartPolicy: 'Never',
      volumes: [
        { name: 'run-config', configMap: { name: 'cfg' } },
        { name: 'creds', secret: { secretName: 's3' } },
        { name: 'maybe', configMap: { name: 'absent', optional: true } },
        { name: 'scratch', emptyDir: {} },
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 600 } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { secret: { name: 's3', items: [{ key: 'key', path: 'creds/key' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
        { name: 'podinfo', downwardAPI: { defaultMode: 292, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'cpu', resourceFieldRef: { containerName: 'simulate', resource: 'limits.cpu', divisor: '1m' } }] } },
      ],
      initContainers: [{ name: 'stage', image: 'busybox', command: ['sh', '-c', 'cp /config/run.mac $(SCRATCH)'], env: [{ name: 'SCRATCH', value: '/scratch' }], volumeMounts: [{ name: 'run-config', mountPath: '/config' }] }],
      containers: [
        {
          name: 'simulate',
          image: 'g4sim',
          args: ['--threads', '$(THREADS)'],
          env: [{ name: 'THREADS', value: '4' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          envFrom: [{ secretRef: { name: 's3' }, prefix: 'S3_' }],
          resources: { limits: { cpu: '2' } },
          volumeMounts: [{ name: 'creds', mountPath: '/etc/s3' }, { name: 'scratch', mountPath: '/scratch', subPathExpr: '$(POD_NAME)' }, { name: 'podinfo', mountPath: '/podinfo' }],
        },
      ],
    },
  };
}

describe('PodCreateAssembler', () => {
  it('builds a contract-valid create request with volumes, projected maps and resolved env', async () => {
    const { assembler, tokens } = setup();
    const req = await assembler.assemble(g4pod(), { phase: 'Pending' }, { hostIP: '10.0.0.1' });
    // It must pass the relay's own decoder.
    PodCreateRequestsCodec.decode(JSON.parse(JSON.stringify(req)));
    expect(req.jobscriptURL).toBe('');
    expect(req.configmaps.map((c) => c.metadata?.name)).toEqual(['cfg']);
    expect(req.configmaps[0]!.metadata?.managedFields).toBeUndefined();
    expect(req.secrets.map((s) => s.metadata?.name)).toEqual(['s3']);
    expect(req.secrets[0]!.data?.['key']).toBe(b64('AKIA'));
    expect(req.projectedvolumesmaps.map((p) => p.metadata?.name)).toEqual(['kube-api-access', 'podinfo']);
    const api = req.projectedvolumesmaps[0]!;
    expect(api.metadata?.creationTimestamp).toBeNull();
    expect(api.data).toEqual({ token: 'token-api-3607', 'vault-token': 'token-vault-600', 'ca.crt': 'CLUSTER-CA', 'creds/key': 'AKIA', namespace: 'ns' });
    expect(tokens.calls).toEqual([{ expirationSeconds: 3607 }, { audience: 'vault', expirationSeconds: 600 }]);
    expect(req.projectedvolumesmaps[1]!.data).toEqual({ labels: 'app="g4"', cpu: '2000' });

    const spec = req.pod.spec!;
    expect(spec.volumes!.find((v) => v.name === 'podinfo')).toEqual({ name: 'podinfo', projected: { defaultMode: 292, sources: [{ downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'cpu', resourceFieldRef: { containerName: 'simulate', resource: 'limits.cpu', divisor: '1m' } }] } }] } });
    const sim = spec.containers[0]!;
    expect(sim.envFrom).toBeUndefined();
    expect(sim.args).toEqual(['--threads', '4']);
    expect(sim.env!.filter((e) => e.name.startsWith('S3_')).map((e) => e.name)).toEqual(['S3_key', 'S3_raw.bin']);
    expect(sim.env!.find((e) => e.name === 'POD_NAME')).toEqual({ name: 'POD_NAME', value: 'g4sim-0' });
    expect(sim.env!.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')?.value).toBe('10.96.0.1');
    expect(sim.volumeMounts!.find((m) => m.name === 'scratch')).toEqual({ name: 'scratch', mountPath: '/scratch', subPath: 'g4sim-0' });
    expect(spec.initContainers![0]!.command).toEqual(['sh', '-c', 'cp /config/run.mac /scratch']);
    expect(req.pod.metadata?.managedFields).toBeUndefined();
    expect(req.pod.metadata?.annotations).toEqual({ 'slurm-job.vk.io/flags': '--partition=debug' });
    expect(req.pod.status).toEqual({ phase: 'Pending' });

    // The relay's per-container reshaping finds every object.
    const hop2 = buildRetrievedPodData(req);
    expect(hop2.container.map((c) => c.name)).toEqual(['stage', 'simulate']);
    expect(hop2.container[0]!.configMaps.map((c) => c.metadata?.name)).toEqual(['cfg']);
    expect(hop2.container[1]!.secrets.map((c) => c.metadata?.name)).toEqual(['s3']);
    expect(hop2.container[1]!.projectedvolumemaps.map((c) => c.metadata?.name)).toEqual(['podinfo']);
  });

  it('keeps binary ConfigMap and Secret content as base64 binaryData in projected maps', async () => {
    const { assembler } = setup();
    const pod = g4pod();
    pod.spec!.volumes = [{ name: 'bin', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'blob.bin', path: 'b' }] } }, { secret: { name: 's3', items: [{ key: 'raw.bin', path: 'r' }] } }] } }];
    const req = await assembler.assemble(pod, {}, {});
    expect(req.projectedvolumesmaps[0]!.binaryData).toEqual({ b: b64(Buffer.from([0xff, 0x00, 0x01])), r: b64(Buffer.from([0xc3, 0x28])) });
  });

  it('replaces kube-root-ca.crt with KubernetesApiCaCrt when configured', async () => {
    const { assembler } = setup({ apiCaOverride: 'REMOTE-CA' });
    const req = await assembler.assemble(g4pod(), {}, {});
    expect(req.projectedvolumesmaps[0]!.data?.['ca.crt']).toBe('REMOTE-CA');
  });

  it('skips projected and downwardAPI volumes with DisableProjectedVolumes', async () => {
    const { assembler, tokens } = setup({ disableProjectedVolumes: true });
    const req = await assembler.assemble(g4pod(), {}, {});
    expect(req.projectedvolumesmaps).toEqual([]);
    expect(tokens.calls).toEqual([]);
    expect(req.pod.spec!.volumes!.find((v) => v.name === 'podinfo')?.projected).toBeDefined();
  });

  it.each([
    ['configMap volume', (p: V1Pod) => p.spec!.volumes!.push({ name: 'x', configMap: { name: 'missing-cm' } }), 'configmap "missing-cm" not found'],
    ['secret volume', (p: V1Pod) => p.spec!.volumes!.push({ name: 'x', secret: { secretName: 'missing-s' } }), 'secret "missing-s" not found'],
    ['projected configMap key', (p: V1Pod) => p.spec!.volumes!.push({ name: 'x', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'nokey', path: 'p' }] } }] } }), "couldn't find key nokey in ConfigMap ns/cfg"],
    ['projected secret', (p: V1Pod) => p.spec!.volumes!.push({ name: 'x', projected: { sources: [{ secret: { name: 'nope' } }] } }), 'secret "nope" not found'],
  ])('a missing %s names the object', async (_what, mutate, message) => {
    const { assembler } = setup();
    const pod = g4pod();
    mutate(pod);
    const err = await assembler.assemble(pod, {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingObjectError);
    expect((err as Error).message).toBe(message);
  });

  it('skips optional missing volume sources', async () => {
    const { assembler } = setup();
    const pod = g4pod();
    pod.spec!.volumes!.push({ name: 'o1', secret: { secretName: 'none', optional: true } }, { name: 'o2', projected: { sources: [{ configMap: { name: 'none', optional: true } }] } });
    const req = await assembler.assemble(pod, {}, {});
    expect(req.projectedvolumesmaps.find((p) => p.metadata?.name === 'o2')?.data).toEqual({});
  });

  it('rejects projected sources it cannot provide with a clear message', async () => {
    const { assembler } = setup();
    const pod = g4pod();
    pod.spec!.volumes!.push({ name: 'ctb', projected: { sources: [{ clusterTrustBundle: { path: 'b', signerName: 'x' } }] } });
    await expect(assembler.assemble(pod, {}, {})).rejects.toThrow(PodSpecError);
    await expect(assembler.assemble(pod, {}, {})).rejects.toThrow('volume ctb: projected source "clusterTrustBundle" is not supported');
  });

  it('does not modify the pod it was given', async () => {
    const { assembler } = setup();
    const pod = g4pod();
    const before = JSON.stringify(pod);
    await assembler.assemble(pod, {}, {});
    expect(JSON.stringify(pod)).toBe(before);
  });
});
