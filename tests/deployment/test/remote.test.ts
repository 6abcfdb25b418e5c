import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBench, eventually, run, runOk } from '@interlink/testbench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildImages, TAG } from './support/images';
import { runDeploymentPod, type K8sObject, type RunningPod } from './support/pod-runner';

// kustomizations/overlays/remote run for real: the virtual kubelet pod of the manifest (token
// Secret, config) against a relay on HTTPS that requires that bearer token, which forwards to a
// Docker sidecar. Only the site-specific values are filled in: relay URL, CA, token.
const NODE = 'interlink-remote';
const RELAY_PORT = 3443;
const SIDECAR_PORT = 4020;
const INSTANCE = 'interlink-remote-test';
let kubeconfig = '';
let work = '';
let pod: RunningPod | undefined;
const backends = ['remote-test-relay', 'remote-test-sidecar'];
const kubectl = (args: string[], input?: string) =>
  runOk('kubectl', args, { env: { KUBECONFIG: kubeconfig }, ...(input ? { input } : {}) });

async function cleanup(): Promise<void> {
  await pod?.stop();
  await run('kubectl', ['delete', 'node', NODE, '--ignore-not-found'], { env: { KUBECONFIG: kubeconfig } });
  await run('docker', ['rm', '-f', ...backends]);
  const left = (
    await runOk('docker', ['ps', '-aq', '--filter', `label=interlink.sidecar=${INSTANCE}`])
  ).trim();
  if (left) await run('docker', ['rm', '-f', ...left.split('\n')]);
  if (work) rmSync(work, { recursive: true, force: true });
}

describe('the remote overlay against an HTTPS relay that requires its bearer token', () => {
  const token = `remote-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    kubeconfig = (await ensureBench(['docker', 'k8s'])).kubeconfig;
    await buildImages();
    await cleanup();
    work = mkdtempSync('/tmp/remote-overlay-');
    chmodSync(work, 0o755);
    // The relay's side: certificate for 127.0.0.1, accepted tokens, config.
    await runOk('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(work, 'tls.key'),
      '-out',
      join(work, 'tls.crt'),
    ]);
    writeFileSync(join(work, 'tokens'), `${token}\n`);
    writeFileSync(
      join(work, 'relay.yaml'),
      stringify({
        InterlinkAddress: 'https://0.0.0.0',
        InterlinkPort: String(RELAY_PORT),
        TLS: { Enabled: true, CertFile: '/relay/tls.crt', KeyFile: '/relay/tls.key' },
        Auth: { TokenFile: '/relay/tokens' },
        SidecarURL: 'http://127.0.0.1',
        SidecarPort: String(SIDECAR_PORT),
      }),
    );
    const data = '/var/lib/interlink/remote-test';
    writeFileSync(
      join(work, 'sidecar.yaml'),
      stringify({
        SidecarPort: String(SIDECAR_PORT),
        SidecarHost: '127.0.0.1',
        DataRootFolder: data,
        InstanceName: INSTANCE,
      }),
    );
    for (const f of ['tls.key', 'tls.crt', 'tokens', 'relay.yaml', 'sidecar.yaml'])
      chmodSync(join(work, f), 0o644);
    await runOk('docker', [
      'run',
      '-d',
      '--name',
      backends[1]!,
      '--network',
      'host',
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '-v',
      `${data}:${data}`,
      '-v',
      `${work}:/relay:ro`,
      '-e',
      `DATAROOTFOLDER=${data}`,
      `interlink/docker-sidecar:${TAG}`,
      '--config',
      '/relay/sidecar.yaml',
    ]);
    await runOk('docker', [
      'run',
      '-d',
      '--name',
      backends[0]!,
      '--network',
      'host',
      '-v',
      `${work}:/relay:ro`,
      `interlink/interlink:${TAG}`,
      '--config',
      '/relay/relay.yaml',
    ]);
    // Both backends up: the relay answers /readyz only when it reaches the sidecar.
    await eventually(
      'the HTTPS relay to reach its Docker sidecar',
      async () =>
        (
          await run('curl', [
            '-sk',
            '-o',
            '/dev/null',
            '-w',
            '%{http_code}',
            `https://127.0.0.1:${RELAY_PORT}/readyz`,
          ])
        ).stdout === '200'
          ? true
          : undefined,
      60_000,
      500,
    );

    // The cluster's side: the overlay as rendered, with this site's URL, CA and token.
    const objs = parseAllDocuments(
      await runOk('kubectl', ['kustomize', 'kustomizations/overlays/remote']),
    ).map((d) => d.toJS() as K8sObject);
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    const vkConfig = parse(cm.data!['InterLinkConfig.yaml']!) as Record<string, unknown>;
    const secret = objs.find((o) => o.kind === 'Secret')!;
    const tokenFile = String(vkConfig['VKTokenFile']);
    const secretDir = tokenFile.slice(0, tokenFile.lastIndexOf('/'));
    cm.data!['InterLinkConfig.yaml'] = stringify({
      ...vkConfig,
      InterlinkURL: 'https://127.0.0.1',
      InterlinkPort: String(RELAY_PORT),
      HTTP: { CaCert: `${secretDir}/ca.crt` },
    });
    secret.data = {
      token: Buffer.from(token).toString('base64'),
      'ca.crt': readFileSync(join(work, 'tls.crt')).toString('base64'),
    };
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: objs.filter((o) => o.kind !== 'Deployment' && o.kind !== 'ConfigMap' && o.kind !== 'Secret'),
      }),
    );
    const saToken = (
      await kubectl(['create', 'token', 'virtual-kubelet', '-n', 'interlink', '--duration=2h'])
    ).trim();
    const cluster = (
      parse(readFileSync(kubeconfig, 'utf8')) as {
        clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
      }
    ).clusters[0]!.cluster;
    pod = await runDeploymentPod(objs, {
      prefix: 'remote-test',
      token: saToken,
      caCert: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
      apiPort: Number(new URL(cluster.server).port),
    });
  }, 40 * 60_000);

  afterAll(async () => {
    await run(
      'kubectl',
      ['delete', 'namespace', `remote-test-${process.pid}`, '--wait=true', '--timeout=90s'],
      { env: { KUBECONFIG: kubeconfig } },
    );
    await cleanup();
  }, 180_000);

  it('the relay refuses callers without the token', async () => {
    const noToken = await run('curl', [
      '-sk',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-X',
      'POST',
      '-d',
      '[]',
      `https://127.0.0.1:${RELAY_PORT}/status`,
    ]);
    expect(noToken.stdout).toBe('401');
    const withToken = await run('curl', [
      '-sk',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-X',
      'GET',
      '-H',
      `Authorization: Bearer ${token}`,
      `https://127.0.0.1:${RELAY_PORT}/pinglink`,
    ]);
    expect(withToken.stdout).toBe('200');
  });

  it('the virtual node becomes Ready through the HTTPS relay and runs a pod', async () => {
    await eventually(
      `node ${NODE} Ready`,
      async () =>
        (await kubectl([
          'get',
          'node',
          NODE,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ])) === 'True'
          ? true
          : undefined,
      120_000,
      2000,
    ).catch(async (err: Error) => {
      const logs = await Promise.all(
        [...pod!.containers, ...backends].map(
          async (c) =>
            `--- ${c}\n${(await run('docker', ['logs', '--tail', '15', c])).stdout}${(await run('docker', ['logs', '--tail', '15', c])).stderr}`,
        ),
      );
      throw new Error(`${err.message}\n${logs.join('\n')}`);
    });
    const ns = `remote-test-${process.pid}`;
    await kubectl(['create', 'namespace', ns]);
    const podSpec = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'over-https', namespace: ns },
      spec: {
        restartPolicy: 'Never',
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists' }],
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'echo reached over https'],
          },
        ],
      },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(podSpec));
    await kubectl([
      'wait',
      '-n',
      ns,
      '--for=jsonpath={.status.phase}=Succeeded',
      'pod/over-https',
      '--timeout=120s',
    ]);
    expect(await kubectl(['logs', '-n', ns, 'over-https'])).toContain('reached over https');
    const relayLog = (await run('docker', ['logs', backends[0]!])).stdout;
    expect(relayLog.split('\n').some((l) => l.includes('"/create"') && l.includes('200'))).toBe(true);
  }, 300_000);
});
