import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { V1Node, V1PodList } from '@kubernetes/client-node';
import { eventually, runOk, stack } from '@interlink/testbench';

const {
  apply,
  box,
  createNamespace,
  deleteNamespace,
  dockerContainersOf,
  killComponent,
  kubectl,
  kubectlJson,
  NODE,
  remoteInstances,
  remoteLive,
  stackPid,
  stackStop,
  stackUp,
  virtualPod,
  waitPhase,
} = stack;
type Backend = stack.Backend;

let ns = '';
beforeAll(async () => {
  await stackUp();
  ns = await createNamespace('e2e-faults');
}, 45 * 60_000);

afterAll(async () => {
  await deleteNamespace(ns);
  await stackStop();
}, 300_000);

const alive = stack.isAlive;

/** SIGKILL, then `stack.sh up`, which starts again exactly what died. */
async function killAndRestart(component: string): Promise<void> {
  const pid = await killComponent(component);
  await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
    env: { STACK_SKIP_DEPS: '1' },
    timeoutMs: 600_000,
  });
  expect(stackPid(component)).not.toBe(pid);
}

const COMPONENTS: Array<[Backend, string]> = [
  ['docker', 'vk-docker'],
  ['docker', 'relay-docker'],
  ['docker', 'docker-sidecar'],
  ['slurm', 'vk-slurm'],
  ['slurm', 'relay-slurm'],
  ['slurm', 'slurm-sidecar'],
];

describe('kill -9 of each component while pods are created', () => {
  it.each(COMPONENTS)(
    '%s backend, %s killed: every pod runs once and ends Succeeded; nothing is left after delete',
    async (backend, component) => {
      const prefix = `k-${component}`;
      const pods = Array.from({ length: 8 }, (_, i) =>
        virtualPod(backend, `${prefix}-${i}`, { containers: [box('main', 'sleep 2; echo done')] }),
      );
      await kubectl(
        ['apply', '-n', ns, '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
      );
      await new Promise((r) => setTimeout(r, 1500)); // some creates are in flight now
      await killAndRestart(component);
      for (const p of pods) await waitPhase(ns, p.metadata!.name!, ['Succeeded'], 240_000);
      const list = await kubectlJson<V1PodList>(['get', 'pods', '-n', ns]);
      const ours = list.items.filter((p) => p.metadata?.name?.startsWith(`${prefix}-`));
      expect(ours).toHaveLength(8);
      for (const p of ours)
        expect(await remoteInstances(backend, p.metadata!.uid!), `${p.metadata!.name} remote instances`).toBe(
          1,
        );
      await kubectl([
        'delete',
        'pod',
        '-n',
        ns,
        ...ours.map((p) => p.metadata!.name!),
        '--wait=true',
        '--timeout=120s',
      ]);
      // Finished pods leave the API at once (the API server deletes terminal pods without
      // grace); their remote cleanup follows, as a kubelet's container garbage collection does.
      for (const p of ours) {
        const uid = p.metadata!.uid!;
        await eventually(
          `remote cleanup of ${p.metadata!.name}`,
          async () => ((await remoteLive(backend, uid)) === 0 ? true : undefined),
          60_000,
          500,
        );
      }
    },
    600_000,
  );
});

describe('relay unreachable', () => {
  it('the node goes NotReady with a reason, a running pod is unaffected, everything recovers', async () => {
    await apply(
      ns,
      virtualPod('docker', 'survivor', {
        containers: [box('main', 'trap "exit 0" TERM; while true; do sleep 1; done')],
      }),
    );
    const before = await waitPhase(ns, 'survivor', ['Running']);
    const uid = before.metadata!.uid!;
    const pid = stackPid('relay-docker');
    process.kill(pid!, 'SIGKILL');
    try {
      const notReady = await eventually(
        'vk-docker NotReady',
        async () => {
          const n = await kubectlJson<V1Node>(['get', 'node', NODE.docker]);
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
        'metadata.name=survivor',
      ]);
      expect(during.items[0]?.status?.phase).toBe('Running');
      expect(
        (await runOk('docker', ['ps', '-q', '--filter', `label=interlink.pod-uid=${uid}`])).trim(),
      ).not.toBe('');
    } finally {
      await runOk('bash', ['tools/scripts/stack.sh', 'up'], {
        env: { STACK_SKIP_DEPS: '1' },
        timeoutMs: 600_000,
      });
    }
    await kubectl(['wait', '--for=condition=Ready', `node/${NODE.docker}`, '--timeout=90s']);
    expect((await waitPhase(ns, 'survivor', ['Running'])).metadata?.uid).toBe(uid);
    await kubectl(['delete', 'pod', '-n', ns, 'survivor', '--wait=true', '--timeout=90s']);
    await eventually(
      'container removed',
      async () => ((await dockerContainersOf(uid)).length === 0 ? true : undefined),
      30_000,
      500,
    );
  }, 300_000);
});

interface Answer {
  status: number;
}

function send(
  url: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: {
          'content-type': 'application/json',
          // Explicit: Node sends GET and DELETE bodies without a length otherwise (not valid HTTP).
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
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
