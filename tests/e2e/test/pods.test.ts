import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { eventually, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const {
  apply,
  box,
  containerStatus,
  dockerContainersOf,
  kubeconfigPath,
  kubectl,
  logs,
  slurmJobsOf,
  virtualPod,
  waitPhase,
} = stack;
type Backend = stack.Backend;

// Pods applied through the real API server onto vk-docker and vk-slurm, through the relays.
// On Slurm the stack's default runtime is "none" (commands run on the node); scenarios that need
// an image's filesystem or mounts ask for the Docker runtime of the Slurm sidecar by annotation.
const IN_CONTAINER: Record<Backend, Record<string, string>> = {
  docker: {},
  slurm: { 'slurm-job.vk.io/container-runtime': 'docker' },
};

let ns = '';
useStackNamespace('e2e-pods', async (created) => {
  ns = created;
  await kubectl([
    'create',
    'configmap',
    'app-config',
    '-n',
    ns,
    '--from-literal=greeting=hello from a ConfigMap',
    '--from-literal=mode=fast',
    '--from-literal=settings.ini=[main]\nlevel=3\n',
  ]);
  await kubectl([
    'create',
    'secret',
    'generic',
    'app-secret',
    '-n',
    ns,
    '--from-literal=password=s3cr3t $HOME `id`',
  ]);
});

describe.each(['docker', 'slurm'] as const)('pods on the %s virtual node', (backend) => {
  const name = (n: string) => `${n}-${backend}`;

  it('hello world: Succeeded, exit code 0, reason Completed, output in kubectl logs', async () => {
    await apply(ns, virtualPod(backend, name('hello'), { containers: [box('main', 'echo hello world')] }));
    const p = await waitPhase(ns, name('hello'), ['Succeeded']);
    expect(containerStatus(p, 'main')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await logs(ns, name('hello'))).toBe('hello world\n');
  }, 180_000);

  it('env from ConfigMap and Secret (env, envFrom with prefix, secretKeyRef), values with quotes, $ and newlines', async () => {
    const tricky = `it's "quoted" $HOME \`id\` $(id) ; | & \\ end\nsecond line`;
    await apply(
      ns,
      virtualPod(backend, name('env'), {
        containers: [
          box('main', 'printf "%s|" "$GREETING" "$PASSWORD" "$CFG_mode" "$TRICKY"', {
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
              { name: 'TRICKY', value: tricky },
            ],
            envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }],
          }),
        ],
      }),
    );
    await waitPhase(ns, name('env'), ['Succeeded']);
    expect(await logs(ns, name('env'))).toBe(`hello from a ConfigMap|s3cr3t $HOME \`id\`|fast|${tricky}|`);
  }, 180_000);

  it('ConfigMap, Secret, projected (token + CA + downwardAPI) and an emptyDir shared between containers', async () => {
    const mounts = [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'secret', mountPath: '/etc/secret', readOnly: true },
      { name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      { name: 'shared', mountPath: '/shared' },
    ];
    await apply(
      ns,
      virtualPod(
        backend,
        name('volumes'),
        {
          volumes: [
            { name: 'config', configMap: { name: 'app-config' } },
            { name: 'secret', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
            {
              name: 'sa',
              projected: {
                sources: [
                  { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  {
                    downwardAPI: {
                      items: [
                        { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                      ],
                    },
                  },
                ],
              },
            },
            { name: 'shared', emptyDir: {} },
          ],
          containers: [
            box('writer', 'echo "from writer" > /shared/note', { volumeMounts: mounts }),
            box(
              'reader',
              [
                'while [ ! -s /shared/note ]; do sleep 0.2; done',
                'cat /shared/note',
                'cat /etc/app/greeting; echo',
                'cat /etc/secret/password; echo',
                'cut -c1-3 /var/run/secrets/kubernetes.io/serviceaccount/token',
                'head -1 /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
                'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo',
                'cat /var/run/secrets/kubernetes.io/serviceaccount/name; echo',
              ].join('; '),
              { volumeMounts: mounts },
            ),
          ],
        },
        IN_CONTAINER[backend],
      ),
    );
    await waitPhase(ns, name('volumes'), ['Succeeded']);
    expect((await logs(ns, name('volumes'), 'reader')).split('\n')).toEqual([
      'from writer',
      'hello from a ConfigMap',
      's3cr3t $HOME `id`',
      'eyJ',
      '-----BEGIN CERTIFICATE-----',
      ns,
      name('volumes'),
      '',
    ]);
  }, 180_000);

  it('shell metacharacters in command arguments reach the process literally', async () => {
    const args = ['$(id)', '`id`', "it's", '"q"', 'a;b|c&d', '$HOME', '*', '\\n', 'two\nlines', '>out'];
    await apply(
      ns,
      virtualPod(backend, name('literal'), {
        containers: [
          {
            name: 'main',
            image: 'busybox:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['printf', '[%s]\n'],
            args,
          },
        ],
      }),
    );
    await waitPhase(ns, name('literal'), ['Succeeded']);
    expect(await logs(ns, name('literal'))).toBe(args.map((a) => `[${a}]\n`).join(''));
  }, 180_000);

  it('init containers run one after the other before the app container', async () => {
    const mount = [{ name: 'work', mountPath: '/work' }];
    await apply(
      ns,
      virtualPod(
        backend,
        name('init'),
        {
          volumes: [{ name: 'work', emptyDir: {} }],
          initContainers: [
            box('first', 'echo first >> /work/order', { volumeMounts: mount }),
            box('second', 'echo second >> /work/order', { volumeMounts: mount }),
          ],
          containers: [box('main', 'cat /work/order', { volumeMounts: mount })],
        },
        IN_CONTAINER[backend],
      ),
    );
    const p = await waitPhase(ns, name('init'), ['Succeeded']);
    expect(p.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode])).toEqual([
      ['first', 0],
      ['second', 0],
    ]);
    expect(await logs(ns, name('init'))).toBe('first\nsecond\n');
  }, 180_000);

  it('a failing init container fails the pod; the app container never starts', async () => {
    await apply(
      ns,
      virtualPod(backend, name('init-fails'), {
        initContainers: [box('setup', 'echo cannot prepare; exit 3')],
        containers: [box('main', 'echo must not run')],
      }),
    );
    const p = await waitPhase(ns, name('init-fails'), ['Failed']);
    expect(containerStatus(p, 'setup')?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const main = containerStatus(p, 'main')?.state;
    // As under the kubelet, on both backends: the app container never left PodInitializing.
    expect(main).toEqual({ waiting: expect.objectContaining({ reason: 'PodInitializing' }) });
    expect(await logs(ns, name('init-fails'), 'setup')).toBe('cannot prepare\n');
  }, 180_000);

  it('multi-container pod with partial failure: per-container exit codes, pod Failed', async () => {
    await apply(
      ns,
      virtualPod(backend, name('partial'), {
        containers: [box('ok', 'echo fine'), box('bad', 'echo broken >&2; exit 42')],
      }),
    );
    const p = await waitPhase(ns, name('partial'), ['Failed']);
    expect(containerStatus(p, 'ok')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(containerStatus(p, 'bad')?.state?.terminated).toMatchObject({ exitCode: 42, reason: 'Error' });
    expect(await logs(ns, name('partial'), 'bad')).toBe('broken\n');
  }, 180_000);

  it('command not found ends the pod Failed with a non-zero exit code', async () => {
    await apply(
      ns,
      virtualPod(
        backend,
        name('notfound'),
        {
          containers: [
            {
              name: 'main',
              image: 'busybox:latest',
              imagePullPolicy: 'IfNotPresent',
              command: ['/no/such/program'],
            },
          ],
        },
        IN_CONTAINER[backend],
      ),
    );
    const p = await waitPhase(ns, name('notfound'), ['Failed']);
    const t = containerStatus(p, 'main')?.state?.terminated;
    expect(t?.exitCode).toBeGreaterThanOrEqual(126);
    expect(t?.reason).not.toBe('Completed');
  }, 180_000);

  it("a container without a command runs the image's default entrypoint", async () => {
    // busybox's default command is `sh`: with no input it exits 0 at once.
    await apply(
      ns,
      virtualPod(
        backend,
        name('default-cmd'),
        { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' }] },
        IN_CONTAINER[backend],
      ),
    );
    const p = await waitPhase(ns, name('default-cmd'), ['Succeeded']);
    expect(containerStatus(p, 'main')?.state?.terminated?.exitCode).toBe(0);
  }, 180_000);

  it('kubectl logs -f streams a running container; kubectl delete removes the remote container or job', async () => {
    await apply(
      ns,
      virtualPod(backend, name('ticker'), {
        containers: [
          box('main', 'trap "exit 0" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done'),
        ],
      }),
    );
    const p = await waitPhase(ns, name('ticker'), ['Running']);
    const uid = p.metadata!.uid!;
    const follow = spawn('kubectl', ['logs', '-f', '-n', ns, name('ticker')], {
      env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(
        '5 streamed lines',
        async () => ((out.match(/tick \d+/g) ?? []).length >= 5 ? true : undefined),
        30_000,
        200,
      );
      const ticks = (out.match(/tick (\d+)/g) ?? []).map((t) => Number(t.slice(5)));
      expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
    } finally {
      follow.kill('SIGINT');
    }
    const remote = backend === 'docker' ? () => dockerContainersOf(uid) : () => slurmJobsOf(uid);
    expect((await remote()).length).toBeGreaterThan(0);
    await kubectl(['delete', 'pod', '-n', ns, name('ticker'), '--wait=true', '--timeout=90s']);
    await eventually(
      'remote cleanup',
      async () => ((await remote()).length === 0 ? true : undefined),
      30_000,
      500,
    );
  }, 240_000);
});
