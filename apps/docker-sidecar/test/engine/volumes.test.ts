import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64,
  containerOf,
  makePod,
  purge,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

describe('volumes', () => {
  let h: Harness;
  let hostDir: string;
  beforeAll(async () => {
    hostDir = mkdtempSync(join(tmpdir(), 'hostpath-'));
    h = await startHarness({ settings: { hostPathAllowList: [hostDir] } });
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
    rmSync(hostDir, { recursive: true, force: true });
  });

  async function runAndLog(data: ReturnType<typeof makePod>, container = 'main'): Promise<string> {
    const r = await h.create(data);
    expect(r.status, r.body).toBe(200);
    const s = await waitForStatus(h, data, `${container} done`, terminated(container));
    expect(containerOf(s, container).state!.terminated!.exitCode, (await h.logs(data, container)).body).toBe(
      0,
    );
    return (await h.logs(data, container)).body;
  }

  it('configMap: all keys with defaultMode, or items with per-item modes; binaryData decoded; read-only', async () => {
    const data = makePod({
      configMaps: [
        {
          metadata: { name: 'cfg' },
          data: { 'app.conf': 'port=80\n', 'other.conf': 'x' },
          binaryData: { 'logo.bin': b64('\x00\x01\x02') },
        },
      ],
      volumes: [
        { name: 'all', configMap: { name: 'cfg', defaultMode: 0o640 } },
        {
          name: 'some',
          configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'nested/dir/app.conf', mode: 0o400 }] },
        },
      ],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'cat /all/app.conf; stat -c "%a %n" /all/app.conf /all/other.conf /some/nested/dir/app.conf; od -An -tx1 /all/logo.bin; ls /some; touch /all/new 2>/dev/null && echo writable || echo read-only',
          ],
          volumeMounts: [
            { name: 'all', mountPath: '/all' },
            { name: 'some', mountPath: '/some' },
          ],
        },
      ],
    });
    expect(await runAndLog(data)).toBe(
      'port=80\n640 /all/app.conf\n640 /all/other.conf\n400 /some/nested/dir/app.conf\n 00 01 02\nnested\nread-only\n',
    );
  });

  it('secret: base64-decoded, 0600 by default, defaultMode and item modes honoured, 0700 pod directory on the host', async () => {
    const data = makePod({
      secrets: [{ metadata: { name: 'creds' }, data: { user: b64('admin'), 'pass word': b64('s3cr3t\n') } }],
      volumes: [
        { name: 'plain', secret: { secretName: 'creds' } },
        {
          name: 'moded',
          secret: {
            secretName: 'creds',
            defaultMode: 0o440,
            items: [
              { key: 'user', path: 'u', mode: 0o404 },
              { key: 'pass word', path: 'p' },
            ],
          },
        },
      ],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'cat /s/user; echo; cat "/s/pass word"; stat -c "%a %n" /s/user "/s/pass word" /m/u /m/p',
          ],
          volumeMounts: [
            { name: 'plain', mountPath: '/s' },
            { name: 'moded', mountPath: '/m' },
          ],
        },
      ],
    });
    expect(await runAndLog(data)).toBe('admin\ns3cr3t\n600 /s/user\n600 /s/pass word\n404 /m/u\n440 /m/p\n');
    const podDir = join(h.dataRoot, `default-${data.pod.metadata!.uid}`);
    expect(statSync(podDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(podDir, 'volumes', 'plain', 'user'), 'utf8')).toBe('admin');
  });

  it('projected: the relay pseudo-ConfigMap written as files with the spec modes (service-account style)', async () => {
    const data = makePod({
      projected: [
        {
          metadata: { name: 'kube-api-access' },
          data: { token: 'eyJhbGciOi', 'ca.crt': '-----BEGIN CERTIFICATE-----\n', namespace: 'default' },
        },
      ],
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420, // decimal, as on the wire (= 0644)
            sources: [
              { serviceAccountToken: { path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [
                    { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                    { path: 'podname', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 },
                  ],
                },
              },
            ],
          },
        },
      ],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'cd /var/run/secrets/kubernetes.io/serviceaccount && cat token; echo; cat namespace; echo; cat podname; echo; stat -c "%a %n" ca.crt token podname',
          ],
          volumeMounts: [
            {
              name: 'kube-api-access',
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
          ],
        },
      ],
    });
    expect(await runAndLog(data)).toBe(
      `eyJhbGciOi\ndefault\n${data.pod.metadata!.name}\n644 ca.crt\n644 token\n400 podname\n`,
    );
  });

  it('hostPath under the allow-list (DirectoryOrCreate, File, readOnly) and refused elsewhere', async () => {
    writeFileSync(join(hostDir, 'input.txt'), 'from the host\n');
    const data = makePod({
      volumes: [
        { name: 'made', hostPath: { path: join(hostDir, 'made/by/pod'), type: 'DirectoryOrCreate' } },
        { name: 'file', hostPath: { path: join(hostDir, 'input.txt'), type: 'File' } },
        { name: 'ro', hostPath: { path: hostDir, type: 'Directory' } },
      ],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'echo out > /made/result; cat /in.txt; touch /ro/x 2>/dev/null && echo writable || echo read-only',
          ],
          volumeMounts: [
            { name: 'made', mountPath: '/made' },
            { name: 'file', mountPath: '/in.txt' },
            { name: 'ro', mountPath: '/ro', readOnly: true },
          ],
        },
      ],
    });
    expect(await runAndLog(data)).toBe('from the host\nread-only\n');
    expect(readFileSync(join(hostDir, 'made/by/pod/result'), 'utf8')).toBe('out\n');
    const refused = makePod({
      volumes: [{ name: 'etc', hostPath: { path: '/etc' } }],
      containers: [{ name: 'main', volumeMounts: [{ name: 'etc', mountPath: '/h' }] }],
    });
    const r = await h.create(refused);
    expect(r.status).toBe(400);
    expect(r.json<{ error: string }>().error).toMatch(
      /hostPath "\/etc" is not allowed \(config key HostPathAllowList/,
    );
    const wrongType = makePod({
      volumes: [{ name: 'f', hostPath: { path: join(hostDir, 'input.txt'), type: 'Directory' } }],
      containers: [{ name: 'main', volumeMounts: [{ name: 'f', mountPath: '/h' }] }],
    });
    expect((await h.create(wrongType)).status).toBe(400);
  });

  it('subPath mounts one file of a configMap and a sub-directory of an emptyDir (created when missing)', async () => {
    const data = makePod({
      configMaps: [{ metadata: { name: 'cfg' }, data: { 'nginx.conf': 'worker 1;\n', other: 'no' } }],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'scratch', emptyDir: {} },
      ],
      initContainers: [
        {
          name: 'prep',
          command: ['sh', '-c', 'echo deep > /s/inner.txt'],
          volumeMounts: [{ name: 'scratch', mountPath: '/s', subPath: 'a/b' }],
        },
      ],
      containers: [
        {
          name: 'main',
          command: ['sh', '-c', 'cat /etc/app/nginx.conf; ls /etc/app; cat /whole/a/b/inner.txt'],
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app/nginx.conf', subPath: 'nginx.conf' },
            { name: 'scratch', mountPath: '/whole' },
          ],
        },
      ],
    });
    expect(await runAndLog(data)).toBe('worker 1;\nnginx.conf\ndeep\n');
  });

  it('a subPath that a container turned into a symlink out of the volume is refused', async () => {
    const data = makePod({
      volumes: [{ name: 'scratch', emptyDir: {} }],
      initContainers: [
        {
          name: 'plant',
          command: ['ln', '-s', '/', '/s/escape'],
          volumeMounts: [{ name: 'scratch', mountPath: '/s' }],
        },
      ],
      containers: [
        {
          name: 'main',
          command: ['ls', '/x'],
          volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: 'escape' }],
        },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(
      h,
      data,
      'config error',
      (st) => containerOf(st, 'main').state?.waiting?.reason === 'CreateContainerConfigError',
    );
    expect(containerOf(s, 'main').state!.waiting!.message).toMatch(/resolves outside its volume/);
  });

  it.each([
    [
      'a configMap key with ../',
      {
        configMaps: [{ metadata: { name: 'cfg' }, data: { '../../../../tmp/pwned': 'x' } }],
        volumes: [{ name: 'c', configMap: { name: 'cfg' } }],
      },
    ],
    [
      'an item path that is absolute',
      {
        configMaps: [{ metadata: { name: 'cfg' }, data: { k: 'x' } }],
        volumes: [{ name: 'c', configMap: { name: 'cfg', items: [{ key: 'k', path: '/tmp/pwned' }] } }],
      },
    ],
    [
      'a secret item path with ..',
      {
        secrets: [{ metadata: { name: 's' }, data: { k: b64('x') } }],
        volumes: [{ name: 'c', secret: { secretName: 's', items: [{ key: 'k', path: 'a/../../pwned' }] } }],
      },
    ],
    [
      'a projected path escaping',
      {
        projected: [{ metadata: { name: 'c' }, data: { '../pwned': 'x' } }],
        volumes: [{ name: 'c', projected: { sources: [] } }],
      },
    ],
  ])('rejects %s with 400 and writes nothing', async (_what, extra) => {
    const data = makePod({
      ...(extra as object),
      containers: [{ name: 'main', volumeMounts: [{ name: 'c', mountPath: '/c' }] }],
    });
    const r = await h.create(data);
    expect(r.status).toBe(400);
    expect(r.json<{ error: string }>().error).toMatch(/must not contain "\.\."|must be a relative path/);
    expect(existsSync(join(h.dataRoot, `default-${data.pod.metadata!.uid}`))).toBe(false);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('a subPath with .. is rejected at create', async () => {
    const data = makePod({
      volumes: [{ name: 'c', emptyDir: {} }],
      containers: [{ name: 'main', volumeMounts: [{ name: 'c', mountPath: '/c', subPath: '../../../etc' }] }],
    });
    const r = await h.create(data);
    expect(r.status).toBe(400);
    expect(r.json<{ error: string }>().error).toMatch(/subPath/);
  });

  it('files are removed with the pod', async () => {
    const data = makePod({
      secrets: [{ metadata: { name: 's' }, data: { k: b64('v') } }],
      volumes: [{ name: 's', secret: { secretName: 's' } }],
      containers: [
        { name: 'main', command: ['sleep', '60'], volumeMounts: [{ name: 's', mountPath: '/s' }] },
      ],
    });
    await h.createOk(data);
    const podDir = join(h.dataRoot, `default-${data.pod.metadata!.uid}`);
    expect(existsSync(join(podDir, 'volumes', 's', 'k'))).toBe(true);
    const r = await h.remove(data);
    expect(r.status, r.body).toBe(200);
    expect(existsSync(podDir)).toBe(false);
  });
});
