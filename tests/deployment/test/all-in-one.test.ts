import { readFileSync } from 'node:fs';
import { ensureBench, eventually, run, runOk } from '@interlink/testbench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildImages } from './support/images';
import { runDeploymentPod, type K8sObject, type RunningPod } from './support/pod-runner';

// kustomizations/overlays/all-in-one run for real: its rendered pod (virtual kubelet + relay +
// Docker sidecar over unix sockets, with the manifest's securityContext and in-cluster
// ServiceAccount token) started with docker, registering its Node in the bench's API server.
const NODE = 'interlink-docker';
let kubeconfig = '';
let pod: RunningPod | undefined;
const kubectl = (args: string[]) => runOk('kubectl', args, { env: { KUBECONFIG: kubeconfig } });

async function cleanup(): Promise<void> {
  await pod?.stop();
  await run('kubectl', ['delete', 'node', NODE, '--ignore-not-found'], { env: { KUBECONFIG: kubeconfig } });
  const left = (
    await runOk('docker', ['ps', '-aq', '--filter', 'label=interlink.sidecar=interlink-in-cluster'])
  ).trim();
  if (left) await run('docker', ['rm', '-f', ...left.split('\n')]);
}

describe('the all-in-one overlay, its pod run as a kubelet would', () => {
  beforeAll(async () => {
    kubeconfig = (await ensureBench(['docker', 'k8s'])).kubeconfig;
    await buildImages();
    const objs = parseAllDocuments(
      await runOk('kubectl', ['kustomize', 'kustomizations/overlays/all-in-one']),
    ).map((d) => d.toJS() as K8sObject);
    // Namespace, ServiceAccount and RBAC applied for real: the pod authenticates with that account.
    const rbac = objs.filter((o) => o.kind !== 'Deployment' && o.kind !== 'ConfigMap');
    await runOk('kubectl', ['apply', '--server-side', '--force-conflicts', '-f', '-'], {
      env: { KUBECONFIG: kubeconfig },
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }),
    });
    const token = (
      await kubectl(['create', 'token', 'virtual-kubelet', '-n', 'interlink', '--duration=2h'])
    ).trim();
    const cluster = (
      parse(readFileSync(kubeconfig, 'utf8')) as {
        clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
      }
    ).clusters[0]!.cluster;
    const caCert = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
    await run('kubectl', ['delete', 'node', NODE, '--ignore-not-found'], { env: { KUBECONFIG: kubeconfig } });
    pod = await runDeploymentPod(objs, {
      prefix: 'aio-test',
      token,
      caCert,
      apiPort: Number(new URL(cluster.server).port),
    });
  }, 40 * 60_000);

  afterAll(async () => {
    await cleanup();
  }, 120_000);

  it('every container runs; the node registers with the ServiceAccount and becomes Ready', async () => {
    await eventually(
      `node ${NODE} Ready`,
      async () => {
        const ready = await kubectl([
          'get',
          'node',
          NODE,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return ready === 'True' ? true : undefined;
      },
      120_000,
      2000,
    ).catch(async (err: Error) => {
      const logs = await Promise.all(
        pod!.containers.map(
          async (c) => `--- ${c}\n${(await run('docker', ['logs', '--tail', '15', c])).stderr}`,
        ),
      );
      throw new Error(`${err.message}\n${logs.join('\n')}`);
    });
    for (const c of pod!.containers)
      expect((await runOk('docker', ['inspect', '-f', '{{.State.Running}}', c])).trim(), c).toBe('true');
    // The relay and the sidecar talk over the shared emptyDir's sockets, not over the network.
    const relayLog = (await run('docker', ['logs', 'aio-test-interlink'])).stdout;
    expect(relayLog).toContain('unix:///var/run/interlink/relay.sock');
    expect(relayLog).toContain('unix:///var/run/interlink/plugin.sock');
  }, 180_000);

  it('pods scheduled on the node run on the Docker engine and their logs come back', async () => {
    const r = await run(
      'bash',
      [
        'tools/deploy/check-examples.sh',
        'examples/hello-world.yaml',
        'examples/init-container.yaml',
        'examples/failing-pod.yaml',
      ],
      {
        env: { KUBECONFIG: kubeconfig, EXAMPLES_TIMEOUT: '180' },
        timeoutMs: 400_000,
      },
    );
    expect(r.stdout).toContain('examples: 3 passed, 0 failed');
    expect(r.code).toBe(0);
  }, 420_000);
});
