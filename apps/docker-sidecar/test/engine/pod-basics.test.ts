import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64,
  containerOf,
  docker,
  makePod,
  purge,
  startHarness,
  terminated,
  waitForStatus,
  running,
  type Harness,
} from './harness';

describe('pods on the real Docker engine: create, argv, env, exit codes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  it('creates a single-container pod as ONE container that owns its network; JID names the pod', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '300'] }] });
    const jid = await h.createOk(data);
    const { name, namespace, uid } = data.pod.metadata!;
    expect(jid).toBe(`il_POD_${name}_${namespace}_${uid}`);
    const s = await waitForStatus(h, data, 'main running', running('main'));
    expect(s).toMatchObject({ name, UID: uid, namespace: 'default', JID: jid });
    const main = containerOf(s, 'main');
    expect(main).toMatchObject({ ready: true, started: true, restartCount: 0, image: 'busybox:latest' });
    expect(String(main.state!.running!.startedAt)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const list = await docker.listContainers({ filters: { label: [`interlink.pod-uid=${uid}`] } });
    expect(list).toHaveLength(1);
    expect(list[0]!.Labels).toMatchObject({
      'interlink.role': 'app',
      'interlink.pod-namespace': 'default',
      'interlink.pod-name': name,
      'interlink.container': 'main',
      'interlink.sidecar': h.instance,
    });
    const inspect = await docker.getContainer(list[0]!.Id).inspect();
    expect(inspect.Config.Hostname).toBe(name);
    expect(inspect.HostConfig.NetworkMode).toBe('bridge');
  });

  it('creates a multi-container pod as a sandbox holding the namespaces plus one container each', async () => {
    const data = makePod({
      containers: [
        { name: 'a', command: ['sleep', '300'] },
        { name: 'b', command: ['sleep', '300'] },
      ],
    });
    const jid = await h.createOk(data);
    await waitForStatus(h, data, 'both running', (s) => running('a')(s) && running('b')(s));
    const list = await docker.listContainers({
      filters: { label: [`interlink.pod-uid=${data.pod.metadata!.uid}`] },
    });
    expect(list.map((c) => c.Labels['interlink.role']).sort()).toEqual(['app', 'app', 'sandbox']);
    const sandbox = list.find((c) => c.Labels['interlink.role'] === 'sandbox')!;
    expect(sandbox.Names).toEqual([`/${jid}`]);
    for (const c of list.filter((x) => x.Labels['interlink.role'] === 'app')) {
      expect((await docker.getContainer(c.Id).inspect()).HostConfig.NetworkMode).toBe(
        `container:${sandbox.Id}`,
      );
    }
  });

  it('create is idempotent by pod UID: same JID, nothing new started', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['sleep', '300'] }] });
    const results = await Promise.all([h.createOk(data), h.createOk(data), h.createOk(data)]);
    expect(new Set(results).size).toBe(1);
    await waitForStatus(h, data, 'running', running('main'));
    expect(await h.createOk(data)).toBe(results[0]);
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`interlink.pod-uid=${data.pod.metadata!.uid}`] },
    });
    expect(list).toHaveLength(1);
  });

  it('passes command and args as exact argument arrays (spaces, quotes, $, newlines, unicode)', async () => {
    const tricky = [
      'plain',
      'two words',
      'quote"s',
      "single'quote",
      '$HOME',
      '$(NOT_DEFINED)',
      'back\\slash',
      'line1\nline2',
      '*',
      '; rm -rf /',
      'ünï 😀',
      '',
    ];
    const data = makePod({
      containers: [
        {
          name: 'main',
          command: ['/bin/sh', '-c', 'for a in "$@"; do printf "[%s]\\n" "$a"; done', 'argv0'],
          args: tricky,
        },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'main done', terminated('main'));
    const logs = await h.logs(data, 'main');
    expect(logs.status).toBe(200);
    expect(logs.body).toBe(tricky.map((a) => `[${a}]\n`).join(''));
  });

  it('command alone replaces the image CMD; args alone keep the image ENTRYPOINT semantics', async () => {
    const cmdOnly = makePod({ containers: [{ name: 'main', command: ['echo', 'only', 'command'] }] });
    const argsOnly = makePod({ containers: [{ name: 'main', args: ['echo', 'from args'] }] });
    await Promise.all([h.createOk(cmdOnly), h.createOk(argsOnly)]);
    await waitForStatus(h, cmdOnly, 'done', terminated('main'));
    await waitForStatus(h, argsOnly, 'done', terminated('main'));
    expect((await h.logs(cmdOnly, 'main')).body).toBe('only command\n');
    expect((await h.logs(argsOnly, 'main')).body).toBe('from args\n');
  });

  it('sets env (literal values, no second $(VAR) expansion, leftover valueFrom/envFrom from shipped objects) and workingDir', async () => {
    const data = makePod({
      configMaps: [{ metadata: { name: 'cfg' }, data: { MODE: 'fast', LEVEL: '7' } }],
      secrets: [{ metadata: { name: 'creds' }, data: { PASSWORD: b64('p@ss w0rd$') } }],
      containers: [
        {
          name: 'main',
          workingDir: '/tmp',
          command: [
            'sh',
            '-c',
            'pwd; env | grep -E "^(GREETING|MODE|LEVEL|S_PASSWORD|PW|POD_NAME|POD_UID|SPACES)=" | sort',
          ],
          envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' }, prefix: 'S_' }],
          env: [
            { name: 'MODE', value: 'slow' },
            { name: 'GREETING', value: 'hi $(MODE) $$(MODE)' },
            { name: 'SPACES', value: '  a  b  ' },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          ],
        },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'done', terminated('main'));
    const out = (await h.logs(data, 'main')).body;
    expect(out).toBe(
      [
        '/tmp',
        'GREETING=hi $(MODE) $$(MODE)',
        'LEVEL=7',
        'MODE=slow',
        `POD_NAME=${data.pod.metadata!.name}`,
        `POD_UID=${data.pod.metadata!.uid}`,
        'PW=p@ss w0rd$',
        'SPACES=  a  b  ',
        'S_PASSWORD=p@ss w0rd$',
        '',
      ].join('\n'),
    );
  });

  it('a missing mandatory env reference leaves the container waiting with CreateContainerConfigError', async () => {
    const data = makePod({
      containers: [
        {
          name: 'main',
          command: ['true'],
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }],
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
    expect(containerOf(s, 'main').state!.waiting!.message).toMatch(/configmap "absent" not found/);
  });

  it('reports exit codes, Completed/Error reasons, start/finish times and containerID', async () => {
    const data = makePod({
      containers: [
        { name: 'ok', command: ['sh', '-c', 'sleep 1; exit 0'] },
        { name: 'fails', command: ['sh', '-c', 'exit 42'] },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(
      h,
      data,
      'both done',
      (st) => terminated('ok')(st) && terminated('fails')(st),
    );
    const ok = containerOf(s, 'ok').state!.terminated!;
    const fails = containerOf(s, 'fails').state!.terminated!;
    expect(ok).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
      containerID: expect.stringMatching(/^docker:\/\/[0-9a-f]{64}$/),
    });
    expect(fails).toMatchObject({ exitCode: 42, reason: 'Error' });
    expect(Date.parse(String(ok.finishedAt)) - Date.parse(String(ok.startedAt))).toBeGreaterThanOrEqual(1000);
    expect(containerOf(s, 'ok').ready).toBe(false);
  });

  it('a command that cannot start is reported as StartError, not a stuck pod', async () => {
    const data = makePod({ containers: [{ name: 'main', command: ['/does/not/exist'] }] });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'start error', terminated('main'));
    expect(containerOf(s, 'main').state!.terminated).toMatchObject({
      reason: 'StartError',
      exitCode: 127,
      message: expect.stringContaining('/does/not/exist'),
    });
  });

  it('ping reports the engine capacity', async () => {
    const info = await docker.info();
    const r = await h.status([]);
    expect(r).toEqual({
      status: 'ok',
      resources: {
        cpu: String(info.NCPU),
        memory: `${Math.floor(info.MemTotal / 1024)}Ki`,
        pods: '110',
        accelerators: [],
      },
      taints: [],
    });
  });

  it('leaves a pod it never created out of /status (not reported terminated)', async () => {
    const ghost = makePod({ containers: [{ name: 'main' }] });
    expect(await h.status([ghost.pod])).toEqual([]);
  });
});
