/**
 * Slurm sidecar benchmark against the bench's real Slurm (issue 5 performance targets):
 *   - submit 200 pods through the HTTP API: sustained submissions per second (target >= 20/s),
 *     and the time until every one of them has started (short jobs: the one-node partition runs
 *     two at a time, so "started" means RUNNING or already finished);
 *   - one status poll for 1,000 tracked jobs: latency (target <= 500 ms) and squeue
 *     processes per poll (target exactly 1);
 *   - resident memory of the sidecar process with 1,000 tracked jobs (target <= 150 MB).
 * The sidecar runs as its own process (dist build), so RSS is the real process's.
 *
 * Run:  node tools/build/build.mjs apps/slurm-sidecar && npx tsx --tsconfig tsconfig.base.json apps/slurm-sidecar/bench/slurm-bench.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpClient } from '@interlink/http-kit';

const TOTAL = Number(process.env['BENCH_PODS'] ?? 1000);
/** The burst of short jobs submitted at once; the rest (sleep 600) stay tracked for the polls. */
const FIRST = Math.min(Number(process.env['BENCH_FIRST'] ?? 200), TOTAL);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'slurm-bench-'));

const clients = new Map<string, HttpClient>();

async function call(base: string, path: string, body: unknown, method = 'POST'): Promise<{ status: number; text: string }> {
  let client = clients.get(base);
  if (!client) {
    client = new HttpClient({ baseUrl: base, maxSockets: 64 });
    clients.set(base, client);
  }
  const res = await client.request({ method, path, json: body });
  return { status: res.status, text: res.text() };
}

function pod(i: number, command = ['/bin/sleep', '600']) {
  return {
    metadata: { name: `bench-${i}`, namespace: 'bench', uid: randomUUID() },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image: 'none',
          command,
          env: [{ name: 'I', value: String(i) }],
        },
      ],
    },
  };
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function submit(base: string, pods: ReturnType<typeof pod>[]): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pods.length) {
        const p = pods[next++];
        if (!p) break;
        const r = await call(base, '/create', {
          pod: p,
          container: [{ name: 'main', configMaps: [], secrets: [], projectedvolumemaps: [], emptyDirs: [] }],
        });
        if (r.status !== 200) throw new Error(`create failed: ${r.status} ${r.text}`);
        ids.push((JSON.parse(r.text) as { PodJID: string }).PodJID);
      }
    }),
  );
  return ids;
}

type ContainerState = { running?: unknown; terminated?: unknown };

/** Polls /status every 500 ms until every pod's container has started; prints the time since t0. */
async function allStarted(
  base: string,
  pods: ReturnType<typeof pod>[],
  t0: number,
  calls: () => number,
): Promise<void> {
  const perPoll: number[] = [];
  for (;;) {
    const before = calls();
    const r = await call(base, '/status', pods, 'GET');
    perPoll.push(calls() - before);
    const list = JSON.parse(r.text) as Array<{ containers: Array<{ state: ContainerState }> }>;
    const started = list.filter((s) =>
      s.containers.every((c) => c.state.running || c.state.terminated),
    ).length;
    if (started === pods.length) break;
    if (performance.now() - t0 > 15 * 60_000)
      throw new Error(`only ${started} of ${pods.length} jobs started`);
    await new Promise((res) => setTimeout(res, 500));
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `all ${pods.length} jobs started (running or done) ${seconds.toFixed(2)} s after the first submission; ${perPoll.length} polls, squeue processes per poll max ${Math.max(...perPoll)}`,
  );
}

async function main(): Promise<void> {
  const counter = join(dir, 'squeue.calls');
  const squeue = join(dir, 'squeue-counting');
  writeFileSync(squeue, `#!/bin/sh\necho call >> '${counter}'\nexec squeue "$@"\n`);
  chmodSync(squeue, 0o755);
  const calls = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
  writeFileSync(counter, '');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `SidecarPort: "${process.env['BENCH_PORT_BASE'] ?? '0'}"`,
      `SidecarHost: 127.0.0.1`,
      `DataRootFolder: ${dir}/jobs`,
      `ContainerRuntime: none`,
      `AllowRootWithRuntimeNone: true`,
      `StatusCacheSeconds: 0`,
      `SqueuePath: ${squeue}`,
      `MemoryDefault: 64M`,
      `ErrorsOnlyLogging: false`,
    ].join('\n'),
  );
  const child = spawn('node', [join(root, 'dist/apps/slurm-sidecar/main.js'), '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  let base = '';
  for (let i = 0; i < 300 && !base; i++) {
    base = /"msg":"slurm sidecar listening","url":"([^"]+)"/.exec(out)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!base) throw new Error(`sidecar did not start:\n${out}`);
  const jobIds: string[] = [];
  const slurm = execFileSync('sbatch', ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `${slurm}; ${cpus().length} CPUs; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    const pods = Array.from({ length: TOTAL }, (_, i) => (i < FIRST ? pod(i, ['/bin/true']) : pod(i)));
    const pid = child.pid ?? 0;
    const rssIdle = rssMb(pid);

    const t0 = performance.now();
    jobIds.push(...(await submit(base, pods.slice(0, FIRST))));
    const firstSeconds = (performance.now() - t0) / 1000;
    console.log(
      `submit ${FIRST} pods (HTTP /create, ${CONCURRENCY} concurrent): ${firstSeconds.toFixed(2)} s = ${(FIRST / firstSeconds).toFixed(1)} submissions/s`,
    );

    await allStarted(base, pods.slice(0, FIRST), t0, calls);

    if (TOTAL > FIRST) {
      const t1 = performance.now();
      jobIds.push(...(await submit(base, pods.slice(FIRST))));
      const restSeconds = (performance.now() - t1) / 1000;
      console.log(
        `submit ${TOTAL - FIRST} more (total ${TOTAL} tracked): ${restSeconds.toFixed(2)} s = ${((TOTAL - FIRST) / restSeconds).toFixed(1)} submissions/s`,
      );
    }

    const polls: number[] = [];
    const perPoll: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = calls();
      const t = performance.now();
      const r = await call(base, '/status', pods, 'GET');
      polls.push(performance.now() - t);
      perPoll.push(calls() - before);
      const answers = JSON.parse(r.text) as unknown[];
      if (r.status !== 200 || answers.length !== TOTAL)
        throw new Error(`status poll: ${r.status}, ${answers.length} answers`);
    }
    const [min = 0, , median = 0, , max = 0] = polls.sort((a, b) => a - b);
    console.log(
      `status poll of ${TOTAL} tracked pods (one HTTP /status): min ${min.toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms; squeue processes per poll: ${perPoll.join(', ')}`,
    );
    const squeueAlone = performance.now();
    execFileSync('squeue', [
      '--noheader',
      '--states=all',
      `--jobs=${jobIds.join(',')}`,
      '--format=%i|%T|%r|%S|%e',
    ]);
    console.log(
      `(squeue alone for the same ${TOTAL} jobs: ${(performance.now() - squeueAlone).toFixed(0)} ms)`,
    );
    console.log(
      `sidecar RSS: idle ${rssIdle.toFixed(1)} MB, with ${TOTAL} tracked jobs after polling ${rssMb(pid).toFixed(1)} MB`,
    );
    console.log(
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    for (let i = 0; i < jobIds.length; i += 300) {
      try {
        execFileSync('scancel', jobIds.slice(i, i + 300), { stdio: 'ignore' });
      } catch {
        // finished already
      }
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    for (const client of clients.values()) client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
