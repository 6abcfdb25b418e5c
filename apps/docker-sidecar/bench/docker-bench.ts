/**
 * Docker sidecar benchmark (real engine, real sidecar process):
 *  1. create→running of N single-container busybox pods in parallel through the sidecar, against
 *     raw dockerode create+start of N containers, in the same run (alternating rounds);
 *  2. /status latency for M pods in one request;
 *  3. sidecar RSS with R pods.
 * Usage: npx tsx apps/docker-sidecar/bench/docker-bench.ts [--pods 50] [--rounds 3] [--rss-pods 200] [--status-pods 500]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { HttpClient } from '@interlink/http-kit';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set((process.argv[i] ?? '').replace(/^--/, ''), process.argv[i + 1] ?? '');
const PODS = Number(args.get('pods') ?? 50);
const ROUNDS = Number(args.get('rounds') ?? 3);
const RSS_PODS = Number(args.get('rss-pods') ?? 200);
const STATUS_PODS = Number(args.get('status-pods') ?? 500);
const IMAGE = 'busybox:latest';
const root = resolve(import.meta.dirname, '../../..');
const docker = new Docker();
const instance = `bench-${randomUUID().slice(0, 6)}`;
const work = mkdtempSync(join(tmpdir(), 'docker-bench-'));
const socket = join(work, 'sidecar.sock');

const sidecarApi = new HttpClient({ baseUrl: `unix://${socket}` });

async function call(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await sidecarApi.request({ method, path, json: body });
  return { status: res.status, text: res.text() };
}

function podBody(i: number) {
  const uid = randomUUID();
  const pod = {
    metadata: {
      name: `bench-${i}-${uid.slice(0, 5)}`,
      namespace: 'bench',
      uid,
      creationTimestamp: new Date().toISOString(),
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          resources: {},
        },
      ],
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
    },
    status: { phase: 'Pending' },
  };
  return {
    pod,
    container: [
      { name: 'main', configMaps: null, projectedvolumemaps: null, secrets: null, emptyDirs: null },
    ],
  };
}
type Pod = ReturnType<typeof podBody>['pod'];

async function createPods(n: number, offset = 0): Promise<Pod[]> {
  const bodies = Array.from({ length: n }, (_, i) => podBody(offset + i));
  await Promise.all(
    bodies.map(async (b) => {
      const r = await call('POST', '/create', b);
      if (r.status !== 200) throw new Error(`create: ${r.status} ${r.text}`);
    }),
  );
  return bodies.map((b) => b.pod);
}

async function waitRunning(pods: Pod[], pollMs = 100): Promise<void> {
  for (;;) {
    const r = await call('GET', '/status', pods);
    const list = JSON.parse(r.text) as Array<{ containers: Array<{ state: { running?: unknown } }> }>;
    if (list.length === pods.length && list.every((s) => s.containers.every((c) => c.state.running))) return;
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

async function deletePods(pods: Pod[]): Promise<void> {
  for (let i = 0; i < pods.length; i += 50)
    await Promise.all(pods.slice(i, i + 50).map((p) => call('POST', '/delete', p)));
}

async function rawRound(n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({
        Image: IMAGE,
        Cmd: ['sleep', '3600'],
        Labels: { 'interlink.bench-raw': instance },
      });
      await c.start();
    }),
  );
  const ms = performance.now() - t0;
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`interlink.bench-raw=${instance}`] },
  });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return ms;
}

async function sidecarRound(n: number): Promise<number> {
  const t0 = performance.now();
  const pods = await createPods(n);
  await waitRunning(pods);
  const ms = performance.now() - t0;
  await deletePods(pods);
  return ms;
}

function rssMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const at = (xs: number[], i: number): number => xs[i] ?? NaN;
const pct = (xs: number[], p: number) =>
  at(
    [...xs].sort((a, b) => a - b),
    Math.min(xs.length - 1, Math.floor((p / 100) * xs.length)),
  );
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? at(s, (s.length - 1) / 2) : (at(s, s.length / 2 - 1) + at(s, s.length / 2)) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function main(): Promise<void> {
  console.log(
    `docker-bench: instance ${instance}, engine ${(await docker.version()).Version}, ${(await docker.info()).NCPU} CPUs`,
  );
  const build = spawnSync('node', ['tools/build/build.mjs', 'apps/docker-sidecar'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('build failed');
  const config = join(work, 'config.yaml');
  writeFileSync(
    config,
    [
      `Socket: unix://${socket}`,
      `DataRootFolder: ${join(work, 'pods')}`,
      `InstanceName: ${instance}`,
      'ErrorsOnlyLogging: true',
      'MaxPods: 1000',
    ].join('\n'),
  );
  const sidecar: ChildProcess = spawn(
    'node',
    [join(root, 'dist/apps/docker-sidecar/main.js'), '--config', config],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    for (let i = 0; ; i++) {
      const ok = await call('GET', '/status', [])
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      if (i > 100) throw new Error('sidecar did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }

    const rssStart = rssMiB(sidecar.pid ?? 0);
    console.log(`   sidecar RSS at start: ${rssStart.rss.toFixed(1)} MiB`);
    console.log(`\n1. create→running, ${PODS} pods in parallel (${ROUNDS} rounds, alternating)`);
    const raw: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(await rawRound(PODS));
      ours.push(await sidecarRound(PODS));
      console.log(
        `   round ${r + 1}: raw dockerode ${fmt(at(raw, r))}, sidecar ${fmt(at(ours, r))}, ratio ${(at(ours, r) / at(raw, r)).toFixed(2)}`,
      );
    }
    const ratios = raw.map((r, i) => at(ours, i) / r);
    console.log(
      `   median: raw ${fmt(median(raw))}, sidecar ${fmt(median(ours))}; median ratio ${median(ratios).toFixed(2)}, ` +
        `ratio of medians ${(median(ours) / median(raw)).toFixed(2)} (target ≤ 1.25)`,
    );

    console.log(`\n2. sidecar RSS with ${RSS_PODS} pods`);
    const rssBefore = rssMiB(sidecar.pid ?? 0);
    const pods: Pod[] = [];
    for (let i = 0; i < RSS_PODS; i += 50) pods.push(...(await createPods(Math.min(50, RSS_PODS - i), i)));
    await waitRunning(pods, 200);
    for (let i = 0; i < 10; i++) await call('GET', '/status', pods);
    await new Promise((r) => setTimeout(r, 2000));
    const rss = rssMiB(sidecar.pid ?? 0);
    console.log(
      `   RSS ${rss.rss.toFixed(1)} MiB (peak ${rss.hwm.toFixed(1)} MiB; idle before pods ${rssBefore.rss.toFixed(1)} MiB) (target ≤ 150 MB)`,
    );

    console.log(`\n3. /status for ${STATUS_PODS} pods in one request`);
    for (let i = pods.length; i < STATUS_PODS; i += 50)
      pods.push(...(await createPods(Math.min(50, STATUS_PODS - i), i)));
    await waitRunning(pods, 500);
    const lat: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const r = await call('GET', '/status', pods);
      lat.push(performance.now() - t0);
      if (r.status !== 200 || (JSON.parse(r.text) as unknown[]).length !== pods.length)
        throw new Error(`status: ${r.status}`);
    }
    console.log(
      `   latency p50 ${fmt(pct(lat, 50))}, p95 ${fmt(pct(lat, 95))}, max ${fmt(Math.max(...lat))} (target ≤ 300 ms)`,
    );
    const listLat: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await docker.listContainers({ all: true, filters: { label: [`interlink.sidecar=${instance}`] } });
      listLat.push(performance.now() - t0);
    }
    console.log(
      `   (the one Docker list call alone, from this process: p50 ${fmt(pct(listLat, 50))}, p95 ${fmt(pct(listLat, 95))})`,
    );
    const rss500 = rssMiB(sidecar.pid ?? 0);
    console.log(
      `   RSS with ${pods.length} pods: ${rss500.rss.toFixed(1)} MiB (peak ${rss500.hwm.toFixed(1)} MiB)`,
    );

    console.log('\ncleaning up');
    await deletePods(pods);
  } finally {
    sidecar.kill('SIGTERM');
    sidecarApi.close();
    const label = [`interlink.sidecar=${instance}`];
    const left = await docker.listContainers({ all: true, filters: { label } });
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
