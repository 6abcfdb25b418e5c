import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '@interlink/http-kit';
import { ensureBench, eventually, repoRoot, run, runOk, stack } from '@interlink/testbench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { grantedPermissions, permissionOf, scanApiCalls } from './support/api-calls';

// The README's run command (`npm run stack` = tools/scripts/stack.sh up) and its examples.
const STACK_DIR = '/var/lib/interlink-stack';
const COMPONENTS = [
  'docker-sidecar',
  'slurm-sidecar',
  'relay-docker',
  'relay-slurm',
  'vk-docker',
  'vk-slurm',
];
let kubeconfig = '';

const kubectl = (args: string[]) => run('kubectl', args, { env: { KUBECONFIG: kubeconfig } });

function pidOf(component: string): number | undefined {
  try {
    return Number(readFileSync(join(STACK_DIR, 'run', `${component}.pid`), 'utf8'));
  } catch {
    return undefined;
  }
}
const alive = stack.isAlive;

const pids = new Map<string, number | undefined>();
/** Start of this test file: log lines of earlier runs do not count. */
let since = '';

describe('the one-command local stack', () => {
  beforeAll(async () => {
    since = new Date().toISOString();
    kubeconfig = (await ensureBench(['docker', 'slurm', 'k8s'])).kubeconfig;
    await run('bash', ['tools/scripts/stack.sh', 'stop'], { timeoutMs: 300_000 });
  }, 45 * 60_000);

  afterAll(async () => {
    await run('bash', ['tools/scripts/stack.sh', 'stop'], { timeoutMs: 300_000 });
  }, 300_000);

  it(
    '`stack.sh up` starts every component and both virtual nodes become Ready',
    async () => {
      // A container an earlier, killed stack left behind is swept when the stack starts afresh.
      const stale = `il-stale-${process.pid}`;
      await runOk('docker', [
        'create',
        '--name',
        stale,
        '--label',
        'interlink.sidecar=interlink-stack',
        'busybox:latest',
        'true',
      ]);
      const started = Date.now();
      const up = await run('bash', ['tools/scripts/stack.sh', 'up'], {
        env: { STACK_SKIP_DEPS: '1' },
        timeoutMs: 40 * 60_000,
      });
      console.log(`stack up in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(up.stderr).toContain('nodes Ready: vk-docker vk-slurm');
      expect(up.code).toBe(0);
      expect(up.stderr).toMatch(
        new RegExp(`removing 1 container\\(s\\) left by an earlier stack that was not stopped: ${stale}`),
      );
      expect((await run('docker', ['inspect', stale])).code).not.toBe(0);
      expect(up.stdout).toContain('kubectl apply -f examples/hello-world.yaml');
      const status = await run('bash', ['tools/scripts/stack.sh', 'status']);
      expect(status.stdout).toContain('vk-docker       node Ready=True');
      expect(status.stdout).toContain('vk-slurm        node Ready=True');
      expect(status.code).toBe(0);
      for (const c of COMPONENTS) {
        pids.set(c, pidOf(c));
        expect(alive(pids.get(c)), c).toBe(true);
      }
    },
    45 * 60_000,
  );

  it('the virtual kubelets run with the kustomize ServiceAccount, which cannot read every Secret', async () => {
    const cfg = readFileSync(join(STACK_DIR, 'kubeconfig'), 'utf8');
    expect(cfg).toMatch(/token: "ey/);
    const sa = 'system:serviceaccount:interlink:virtual-kubelet';
    const can = async (verb: string, resource: string) =>
      (await kubectl(['auth', 'can-i', verb, resource, '-A', `--as=${sa}`])).stdout.trim();
    expect(await can('watch', 'pods')).toBe('yes');
    expect(await can('list', 'secrets')).toBe('no');
    expect(await can('create', 'pods')).toBe('no');
  });

  it('every example reaches its expected phase and its logs come back through kubectl logs', async () => {
    const r = await run('bash', ['tools/deploy/check-examples.sh'], {
      env: { KUBECONFIG: kubeconfig },
      timeoutMs: 600_000,
    });
    const count = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')).length;
    expect(r.stdout).toContain(`examples: ${count} passed, 0 failed`);
    expect(r.code).toBe(0);
  }, 600_000);

  it('every Kubernetes API call the virtual kubelets made is granted by the kustomize RBAC and found by the code scan; none was refused', async () => {
    // resource:verb (the metric has no API group; these resource names are unique across groups).
    const strip = (p: string) => p.replace(/^[^/]+\//, '');
    const rbac = parseAllDocuments(readFileSync(join(repoRoot, 'kustomizations/base/rbac.yaml'), 'utf8')).map(
      (d) => d.toJS() as { kind?: string },
    );
    const granted = new Set(grantedPermissions(rbac).map(strip));
    const scanned = new Set(
      scanApiCalls(join(repoRoot, 'apps/virtual-kubelet/src'), repoRoot).calls.map((c) =>
        strip(permissionOf(c)),
      ),
    );
    const observed = new Set<string>();
    const unauthorized: string[] = [];
    // MetricsAddress of vk-docker and vk-slurm (tools/deploy/stack-lib.sh).
    for (const port of [10265, 10266]) {
      const vk = new HttpClient({ baseUrl: `http://127.0.0.1:${port}` });
      const text = (await vk.request({ method: 'GET', path: '/metrics' })).text();
      vk.close();
      for (const m of text.matchAll(/^interlink_vk_api_requests_total\{([^}]*)\} (\S+)$/gm)) {
        const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
        const perm = `${labels['resource']}:${labels['verb']}`;
        observed.add(perm);
        if (labels['code'] === '401') unauthorized.push(`${port} ${perm}`);
      }
    }
    // Registering the nodes and running the examples touched the node, its status, pods and their status.
    expect([...observed]).toEqual(
      expect.arrayContaining(['nodes:get', 'nodes/status:patch', 'pods/status:update']),
    );
    expect(unauthorized).toEqual([]);
    // A 403 can also be a namespace being deleted (events about pods of a deleted namespace); an RBAC
    // refusal names the account: `... is forbidden: User "system:serviceaccount:..." cannot ...`
    // (the virtual kubelets log failed API calls with the API server's message).
    const refused = ['vk-docker', 'vk-slurm'].flatMap((c) =>
      readFileSync(join(STACK_DIR, 'logs', `${c}.log`), 'utf8')
        .split('\n')
        .filter((l) => l.includes('is forbidden: User'))
        .filter((l) => (/"time":"([^"]+)"/.exec(l)?.[1] ?? '') >= since),
    );
    expect(refused).toEqual([]);
    expect([...observed].filter((p) => !granted.has(p))).toEqual([]);
    expect([...observed].filter((p) => !scanned.has(p))).toEqual([]);
  });

  it('`stack.sh up` again is idempotent: the running processes are kept', async () => {
    const up = await run('bash', ['tools/scripts/stack.sh', 'up'], {
      env: { STACK_SKIP_DEPS: '1' },
      timeoutMs: 600_000,
    });
    expect(up.code).toBe(0);
    for (const c of COMPONENTS) expect(pidOf(c), c).toBe(pids.get(c));
  }, 600_000);

  it('`stack.sh stop` leaves no process, container, job or node behind', async () => {
    const ns = `stack-stop-${process.pid}`;
    const { jobs } = await startSleepers(ns);
    const stop = await run('bash', ['tools/scripts/stack.sh', 'stop'], { timeoutMs: 300_000 });
    expect(stop.code).toBe(0);
    // The virtual kubelets removed everything the normal way; the safety net had nothing to do.
    expect(stop.stderr).not.toMatch(/leftover/);
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
    await expectNothingLeft(jobs);
  }, 600_000);

  it('`stack.sh stop` after a crash (sidecars and virtual kubelets killed) still removes the containers and cancels the jobs', async () => {
    const started = Date.now();
    const up = await run('bash', ['tools/scripts/stack.sh', 'up'], {
      env: { STACK_SKIP_DEPS: '1' },
      timeoutMs: 600_000,
    });
    console.log(`stack up (warm, after stop) in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(up.code).toBe(0);
    for (const c of COMPONENTS) pids.set(c, pidOf(c));
    const ns = `stack-crash-${process.pid}`;
    const { jobs, sleeperJob, containers } = await startSleepers(ns);
    // Nothing left that could delete the pods' containers and jobs the normal way.
    for (const c of ['vk-docker', 'vk-slurm', 'docker-sidecar', 'slurm-sidecar'])
      process.kill(pids.get(c)!, 'SIGKILL');
    await eventually(
      'the killed components to exit',
      async () =>
        ['vk-docker', 'vk-slurm', 'docker-sidecar', 'slurm-sidecar'].some((c) => alive(pids.get(c)))
          ? undefined
          : true,
      10_000,
      200,
    );
    const stop = await run('bash', ['tools/scripts/stack.sh', 'stop'], { timeoutMs: 300_000 });
    expect(stop.code).toBe(0);
    const removed = /removing (\d+) container\(s\) leftover:(.*)$/m.exec(stop.stderr);
    expect(removed?.[2]?.trim().split(/\s+/).sort()).toEqual(containers);
    expect(stop.stderr).toMatch(new RegExp(`cancelling Slurm job\\(s\\) leftover: .*\\b${sleeperJob}\\b`));
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
    await expectNothingLeft(jobs);
  }, 600_000);
});

/**
 * A running pod on each backend, in a new namespace; returns the Slurm job ids of the stack's pod
 * directories, the sleeper's own job and the names of the stack's running containers.
 */
async function startSleepers(
  ns: string,
): Promise<{ jobs: string[]; sleeperJob: string; containers: string[] }> {
  await kubectl(['create', 'namespace', ns]);
  for (const backend of ['docker', 'slurm']) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `sleeper-${backend}` },
      spec: {
        restartPolicy: 'Never',
        nodeSelector: { 'virtual-node.interlink/backend': backend },
        tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists' }],
        containers: [
          {
            name: 'sleep',
            image: 'busybox:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['sleep', '600'],
          },
        ],
      },
    };
    const r = await run('kubectl', ['apply', '-n', ns, '-f', '-'], {
      env: { KUBECONFIG: kubeconfig },
      input: JSON.stringify(pod),
    });
    expect(r.code).toBe(0);
  }
  await runOk(
    'kubectl',
    [
      'wait',
      '-n',
      ns,
      '--for=jsonpath={.status.phase}=Running',
      'pod/sleeper-docker',
      'pod/sleeper-slurm',
      '--timeout=120s',
    ],
    { env: { KUBECONFIG: kubeconfig } },
  );
  const jobs = readdirSync(join(STACK_DIR, 'data/slurm-jobs')).flatMap((d) => {
    try {
      return [readFileSync(join(STACK_DIR, 'data/slurm-jobs', d, 'JobID.jid'), 'utf8').trim()];
    } catch {
      return [];
    }
  });
  // The sleeper's own job, from its pod directory <namespace>-<uid>.
  const uid = (await kubectl(['get', 'pod', '-n', ns, 'sleeper-slurm', '-o', 'jsonpath={.metadata.uid}']))
    .stdout;
  const sleeperJob = readFileSync(
    join(STACK_DIR, 'data/slurm-jobs', `${ns}-${uid}`, 'JobID.jid'),
    'utf8',
  ).trim();
  expect(jobs).toContain(sleeperJob);
  // The sleeper's container and its pod sandbox.
  const containers = (
    await runOk('docker', [
      'ps',
      '--format',
      '{{.Names}}',
      '--filter',
      'label=interlink.sidecar=interlink-stack',
    ])
  )
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
  expect(containers.length).toBeGreaterThan(0);
  return { jobs, sleeperJob, containers };
}

/** No stack process, pod container, live Slurm job or virtual Node after `stack.sh stop`. */
async function expectNothingLeft(jobs: string[]): Promise<void> {
  for (const c of COMPONENTS) expect(alive(pids.get(c)), c).toBe(false);
  expect(
    (await runOk('docker', ['ps', '-aq', '--filter', 'label=interlink.sidecar=interlink-stack'])).trim(),
  ).toBe('');
  // Every job slurmctld still knows (all states; `--jobs` would fail once ours are purged): none
  // of ours may be left in a non-final state.
  const queue = await runOk('squeue', ['--noheader', '--states=all', '--format=%i %T']);
  const ours = queue
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([id]) => jobs.includes(id!));
  // The sleeper's job ended seconds ago (kept for MinJobAge): the check sees our jobs.
  expect(ours.length).toBeGreaterThan(0);
  const final = /^(COMPLETED|CANCELLED|FAILED|TIMEOUT|BOOT_FAIL|DEADLINE|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED)$/;
  expect(ours.filter(([, state]) => !final.test(state!))).toEqual([]);
  const nodes = await kubectl(['get', 'node', 'vk-docker', 'vk-slurm', '--ignore-not-found', '-o', 'name']);
  expect(nodes.stdout.trim()).toBe('');
  const status = await run('bash', ['tools/scripts/stack.sh', 'status']);
  expect(status.code).not.toBe(0);
}
