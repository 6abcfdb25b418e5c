import { statSync, writeFileSync, readdirSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCreate, makePod } from '../fixtures';
import { ctx, logsOf, requireSlurm, startSidecar, waitTerminated, type TestSidecar } from './harness';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
const hostDir = scratchDir('hostpath-');
beforeAll(async () => {
  await requireSlurm(true);
  writeFileSync(join(hostDir, 'hello'), 'from the host\n');
  sc = await startSidecar({ ContainerRuntime: 'docker', AllowedHostPathPrefixes: [hostDir] });
});
afterAll(async () => sc?.cleanup());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const WEIRD_KEY = `we ird'$(x)"\`.txt`;

describe('volumes and env with the docker runtime (real Slurm + Docker)', () => {
  it('configMap, secret 0600, projected, emptyDir shared with init, hostPath, subPath, env', async () => {
    const pod = makePod({
      name: 'volumes',
      volumes: [
        { name: 'cfg', configMap: { name: 'app-config', defaultMode: 0o644 } },
        { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o644 } },
        { name: 'kube-api-access', projected: { sources: [], defaultMode: 0o644 } },
        { name: 'scratch', emptyDir: {} },
        { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
      ],
      initContainers: [
        {
          name: 'stage',
          image: 'busybox:latest',
          command: [
            'sh',
            '-c',
            'cp /config/run.mac /scratch/staged && echo init-was-here > /scratch/from-init',
          ],
          volumeMounts: [
            { name: 'cfg', mountPath: '/config' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        },
      ],
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          command: ['sh', '-c'],
          args: [
            [
              'cat /scratch/staged /scratch/from-init /host/hello /single.mac',
              'stat -c "%a %n" /etc/creds/password /var/run/secrets/kubernetes.io/serviceaccount/token',
              'cat /etc/creds/password; echo',
              'cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo',
              'ls "/etc/we,ird \\"dir\\""',
              'echo "MULTI=$MULTI"; echo "QUOTED=$QUOTED"',
              'touch /config/x 2>/dev/null && echo config-writable || echo config-readonly',
            ].join('; '),
          ],
          env: [
            { name: 'MULTI', value: 'line1\nline2' },
            { name: 'QUOTED', value: `it's "$(not run)"` },
          ],
          volumeMounts: [
            { name: 'cfg', mountPath: '/config', readOnly: true },
            { name: 'sec', mountPath: '/etc/creds' },
            {
              name: 'kube-api-access',
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'host', mountPath: '/host', readOnly: true },
            { name: 'cfg', mountPath: '/single.mac', subPath: 'run.mac' },
            { name: 'kube-api-access', mountPath: '/etc/we,ird "dir"' },
          ],
        },
      ],
    });
    const create = makeCreate(pod, {
      configMaps: [{ metadata: { name: 'app-config' }, data: { 'run.mac': '/run/beamOn 10\n' } }],
      secrets: [{ metadata: { name: 'creds' }, data: { password: b64('s3cr3t') } }],
      projectedvolumemaps: [
        { metadata: { name: 'kube-api-access' }, data: { token: 'jwt-token', [WEIRD_KEY]: 'weird' } },
      ],
    });
    await sc.backend.create(create, ctx());
    const s = await waitTerminated(sc.backend, pod, 120_000);
    const log = await logsOf(sc.backend, pod, 'main');
    expect(s.containers[0]?.state?.terminated?.exitCode, log).toBe(0);
    expect(log).toBe(
      [
        '/run/beamOn 10',
        'init-was-here',
        'from the host',
        '/run/beamOn 10',
        '600 /etc/creds/password',
        '600 /var/run/secrets/kubernetes.io/serviceaccount/token',
        's3cr3t',
        'jwt-token',
        'token',
        WEIRD_KEY,
        'MULTI=line1',
        'line2',
        `QUOTED=it's "$(not run)"`,
        'config-readonly',
        '',
      ].join('\n'),
    );
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'secrets', 'sec', 'password')).mode & 0o777).toBe(0o600);
    for (const f of readdirSync(join(dir, 'env')))
      expect(statSync(join(dir, 'env', f)).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('the docker container is removed when the job ends and when the pod is deleted', async () => {
    const pod = makePod({
      name: 'sleeper',
      containers: [{ name: 'main', image: 'busybox:latest', command: ['sleep', '300'] }],
    });
    await sc.backend.create(makeCreate(pod), ctx());
    const { execFileSync } = await import('node:child_process');
    const name = `il-${pod.metadata!.uid}-run-main`;
    const running = async () =>
      execFileSync('docker', ['ps', '-q', '--filter', `name=${name}`], { encoding: 'utf8' }).trim() !== '';
    for (let i = 0; i < 60 && !(await running()); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await running()).toBe(true);
    await sc.backend.delete(pod, ctx());
    expect(
      execFileSync('docker', ['ps', '-aq', '--filter', `name=${name}`], { encoding: 'utf8' }).trim(),
    ).toBe('');
  }, 120_000);
});
