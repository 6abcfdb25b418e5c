import { describe, expect, it } from 'vitest';
import { HttpClient } from '@interlink/http-kit';
import type { V1Node, V1PodList } from '@kubernetes/client-node';
import { eventually, runOk, sleep, stack } from '@interlink/testbench';
import { useStackNamespace } from './support/stack-namespace';

const {
  apply,
  box,
  getPod,
  kubectl,
  kubectlJson,
  NODE,
  remoteInstances,
  remoteLive,
  stackPid,
  virtualPod,
  waitPhase,
} = stack;

let ns = '';
useStackNamespace('e2e-faults', (created) => {
  ns = created;
});

const alive = stack.isAlive;

describe.each(['docker', 'slurm'] as const)('relay of the %s node unreachable', (backend) => {
  it('the node goes NotReady with a reason, a running pod is unaffected, everything recovers', async () => {
    const survivor = `survivor-${backend}`;
    await apply(
      ns,
      virtualPod(backend, survivor, {
        containers: [box('main', 'trap "exit 0" TERM; while true; do sleep 1; done')],
      }),
    );
    const before = await waitPhase(ns, survivor, ['Running'], 120_000);
    const uid = before.metadata!.uid!;
    const pid = stackPid(`relay-${backend}`);
    process.kill(pid!, 'SIGKILL');
    const killedAt = Date.now();
    try {
      const notReady = await eventually(
        `${NODE[backend]} NotReady`,
        async () => {
          const n = await kubectlJson<V1Node>(['get', 'node', NODE[backend]]);
          const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
          return ready?.status === 'False' ? ready : undefined;
        },
        90_000,
        1000,
      );
      expect(`${notReady.reason} ${notReady.message}`).toMatch(/relay|interLink|unreachable|ping/i);
      // The pod is not touched: same phase, its container still runs.
      const during = await kubectlJson<V1PodList>([
        'get',
        'pods',
        '-n',
        ns,
        '--field-selector',
        `metadata.name=${survivor}`,
      ]);
      expect(during.items[0]?.status?.phase).toBe('Running');
      expect(await remoteLive(backend, uid)).toBe(1);
      // The outage lasts 60 s; the pod must still be untouched at its end.
      await sleep(killedAt + 60_000 - Date.now());
      expect((await getPod(ns, survivor)).status?.phase).toBe('Running');
    } finally {
      await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
        env: { STACK_SKIP_DEPS: '1' },
        timeoutMs: 600_000,
      });
    }
    await kubectl(['wait', '--for=condition=Ready', `node/${NODE[backend]}`, '--timeout=90s']);
    expect((await waitPhase(ns, survivor, ['Running'])).metadata?.uid).toBe(uid);
    expect(await remoteInstances(backend, uid)).toBe(1);
    await kubectl(['delete', 'pod', '-n', ns, survivor, '--wait=true', '--timeout=90s']);
    await eventually(
      'remote container/job removed',
      async () => ((await remoteLive(backend, uid)) === 0 ? true : undefined),
      30_000,
      500,
    );
  }, 300_000);
});

interface Answer {
  status: number;
  text: string;
}

const clients = new Map<string, HttpClient>();

/** Any method with a raw body (GET and DELETE too), certificate not verified. */
async function send(
  url: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  let client = clients.get(url);
  if (!client) {
    client = new HttpClient({ baseUrl: url, tls: { insecureSkipVerify: true } });
    clients.set(url, client);
  }
  const res = await client.request({
    method,
    path,
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, text: res.text() };
}

/** Deterministic hostile bodies: broken JSON, wrong types, huge strings, shell metacharacters, prototype keys. */
function hostileBodies(n: number): string[] {
  const atoms: unknown[] = [
    null,
    0,
    -1,
    1e308,
    true,
    '',
    '$(reboot)',
    '`id`',
    "'; rm -rf / #",
    '\u0000',
    'x'.repeat(70_000),
    [],
    {},
    { __proto__: { admin: true } },
  ];
  const out: string[] = ['', '{', '[', '{"pod":', 'null', '"text"', '[[[[[[[[[[', '{"a":'.repeat(200)];
  for (let i = 0; out.length < n; i++) {
    const a = atoms[i % atoms.length];
    const b = atoms[(i * 7 + 3) % atoms.length];
    const shapes = [
      { pod: a },
      { pod: { metadata: { name: a, namespace: b, uid: a } }, container: b },
      [{ metadata: { uid: a } }],
      { Namespace: a, PodUID: b, PodName: a, ContainerName: b, Opts: { Tail: a, Bytes: b, Follow: a } },
      {
        pod: {
          metadata: { name: 'p', namespace: 'default', uid: '00000000-0000-4000-8000-000000000001' },
          spec: { containers: a },
        },
        configmaps: b,
      },
    ];
    out.push(JSON.stringify(shapes[i % shapes.length]));
  }
  return out;
}

describe('malformed and hostile requests at every HTTP surface', () => {
  const surfaces: Array<{ name: string; component: string; url: string; paths: string[] }> = [
    {
      name: 'relay',
      component: 'relay-docker',
      url: 'http://127.0.0.1:3010',
      paths: ['/create', '/status', '/delete', '/getLogs', '/updateVolumes', '/updateCache'],
    },
    {
      name: 'Docker sidecar',
      component: 'docker-sidecar',
      url: 'http://127.0.0.1:4010',
      paths: ['/create', '/status', '/delete', '/getLogs', '/updateVolumes'],
    },
    {
      name: 'Slurm sidecar',
      component: 'slurm-sidecar',
      url: 'http://127.0.0.1:4011',
      paths: ['/create', '/status', '/delete', '/getLogs', '/updateVolumes'],
    },
    {
      name: 'kubelet API',
      component: 'vk-docker',
      url: 'https://127.0.0.1:10250',
      paths: ['/containerLogs/default/x/y', '/pods', '/runningpods/', '/exec/default/x/y'],
    },
  ];
  it.each(surfaces)(
    '$name: 500 requests all answered 4xx, the process stays up and healthy',
    async ({ component, url, paths }) => {
      const pid = stackPid(component);
      const bodies = hostileBodies(500);
      const statuses = new Map<number, number>();
      for (let i = 0; i < bodies.length; i += 25) {
        const batch = bodies
          .slice(i, i + 25)
          .map((b, j) =>
            send(url, ['GET', 'POST', 'DELETE', 'PUT'][(i + j) % 4]!, paths[(i + j) % paths.length]!, b),
          );
        for (const a of await Promise.all(batch)) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      }
      const bad = [...statuses].filter(([s]) => s < 400 || s >= 500);
      expect(bad, JSON.stringify([...statuses])).toEqual([]);
      expect(alive(pid)).toBe(true);
      expect(stackPid(component)).toBe(pid);
    },
    120_000,
  );
});

/** A pod the API server would accept, with `patch` merged into its spec (or replacing fields). */
function podBody(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    metadata: { name: 'hostile', namespace: 'default', uid: '00000000-0000-4000-8000-0000000000f5' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

/** A JSON array nested `depth` levels deep, built without recursion. */
function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

// Issue 15: values found by an attacker's run, each refused with 400 and a reason naming it.
const refusedValues: Array<{ what: string; path: string; body: string; names: RegExp }> = [
  {
    what: 'a 100,000-deep array inside an unknown field',
    path: '/create',
    body: `{"pod":${JSON.stringify(podBody({}))},"junk":${deepArray(100_000)}}`,
    names: /depth|nest/i,
  },
  {
    what: 'a negative grace period',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ terminationGracePeriodSeconds: -1 }) }),
    names: /terminationGracePeriodSeconds/,
  },
  {
    what: 'restartPolicy Sometimes',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ restartPolicy: 'Sometimes' }) }),
    names: /restartPolicy/,
  },
  {
    what: 'activeDeadlineSeconds 1e30',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ activeDeadlineSeconds: 1e30 }) }),
    names: /activeDeadlineSeconds/,
  },
  {
    what: 'runAsUser -1',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ securityContext: { runAsUser: -1 } }) }),
    names: /runAsUser/,
  },
  {
    what: 'runAsUser "0; id"',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ securityContext: { runAsUser: '0; id' } }) }),
    names: /runAsUser/,
  },
  {
    what: 'an image name with $(...)',
    path: '/create',
    body: JSON.stringify({ pod: podBody({ containers: [{ name: 'c', image: 'busybox$(id)' }] }) }),
    names: /image/,
  },
  {
    what: 'SinceSeconds 1e20',
    path: '/getLogs',
    body: JSON.stringify({
      Namespace: 'default',
      PodUID: 'u',
      PodName: 'p',
      ContainerName: 'c',
      Opts: { SinceSeconds: 1e20 },
    }),
    names: /SinceSeconds/,
  },
  {
    what: 'SinceTime "garbage"',
    path: '/getLogs',
    body: JSON.stringify({
      Namespace: 'default',
      PodUID: 'u',
      PodName: 'p',
      ContainerName: 'c',
      Opts: { SinceTime: 'garbage' },
    }),
    names: /SinceTime/,
  },
];

describe('values an attacker tried (issue 15) are refused with 400 naming them, at the relay and both sidecars', () => {
  const targets = [
    { name: 'relay', url: 'http://127.0.0.1:3010' },
    { name: 'Docker sidecar', url: 'http://127.0.0.1:4010' },
    { name: 'Slurm sidecar', url: 'http://127.0.0.1:4011' },
  ];
  it.each(targets)('$name', async ({ url }) => {
    for (const v of refusedValues) {
      const answer = await send(url, 'POST', v.path, v.body);
      expect(answer.status, `${v.what}: ${answer.text}`).toBe(400);
      expect(answer.text, v.what).toMatch(v.names);
    }
    // A malformed percent-encoding in the path is the caller's mistake, not a crash.
    const malformed = await send(url, 'GET', '/status%E0%A4%A', '[]');
    expect(malformed.status, malformed.text).toBe(400);
  });

  it('kubelet API: a malformed percent-encoding in a log path is refused, not a 500', async () => {
    const answer = await send('https://127.0.0.1:10250', 'GET', '/containerLogs/%E0%A4%A/x/y', '');
    expect([400, 401], answer.text).toContain(answer.status);
  });
});
