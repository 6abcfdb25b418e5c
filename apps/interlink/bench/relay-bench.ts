/**
 * Relay benchmark: a trivial plugin process, the built relay process, and this process as the
 * load generator, all on loopback. Prints:
 *   - /status latency direct-to-plugin vs through the relay (p50/p99) and the relay overhead
 *   - sustained /status throughput through the relay (one relay process = one core)
 *   - relay RSS after 100,000 requests (and its growth over the last 90,000)
 *   - latency of one /status request carrying 1,000 pods
 *
 * Run:  npx tsx --tsconfig tsconfig.base.json apps/interlink/bench/relay-bench.ts [--requests 100000] [--concurrency 32]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '@interlink/http-kit';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TOTAL_REQUESTS = arg('requests', 100_000);
const CONCURRENCY = arg('concurrency', 32);
const LATENCY_SAMPLES = arg('samples', 5_000);
const POD_SET = 1_000;
/** BENCH_PORT_BASE pins the plugin (base) and relay (base + 1) ports; default: any free port. */
const PORT_BASE = Number(process.env['BENCH_PORT_BASE'] ?? 0);

const PLUGIN_SOURCE = `
const http = require('node:http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const pods = JSON.parse(Buffer.concat(chunks).toString() || '[]');
    const out = pods.map((p) => ({ name: p.metadata.name, UID: p.metadata.uid, namespace: p.metadata.namespace, JID: '1',
      containers: [{ name: 'main', state: { running: { startedAt: '2026-03-02T11:00:42Z' } }, lastState: {}, ready: true, restartCount: 0, image: '', imageID: '' }],
      initContainers: [] }));
    res.end(JSON.stringify(out));
  });
}).listen(Number(process.env.PLUGIN_PORT || 0), '127.0.0.1', function () { process.send(this.address().port); });
`;

function pod(i: number) {
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    metadata: { name: `bench-${i}`, namespace: 'default', uid, annotations: { JobID: String(i) } },
    spec: {
      containers: [{ name: 'main', image: 'busybox', resources: {} }],
      nodeName: 'vk',
      restartPolicy: 'Never',
    },
    status: { phase: 'Running' },
  };
}
const bodies = Array.from({ length: POD_SET }, (_, i) => JSON.stringify([pod(i)]));
const bodyFor = (i: number): string => bodies[i % POD_SET] as string;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latencies(client: HttpClient, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    const res = await client.request({
      method: 'GET',
      path: '/status',
      body: bodyFor(i),
      headers: { 'Content-Type': 'application/json' },
    });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${res.text()}`);
  }
  return out.sort((a, b) => a - b);
}

async function load(client: HttpClient, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const res = await client.request({
          method: 'GET',
          path: '/status',
          body: bodyFor(i),
          headers: { 'Content-Type': 'application/json' },
        });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** utime + stime of a process in seconds (clock ticks are 100 Hz on Linux). */
function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resolves with the plugin's IPC message, or the relay's "relay ready" log line. */
function waitReady(child: ChildProcess, marker?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code) => reject(new Error(`process exited early (${code})`)));
    if (!marker) child.once('message', (m) => resolvePromise(String(m)));
    else {
      let out = '';
      const stdout = child.stdout;
      if (!stdout) throw new Error('child stdout is not piped');
      stdout.on('data', function onData(d: Buffer) {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes(marker));
        if (line) {
          stdout.off('data', onData);
          resolvePromise(line);
        }
      });
    }
  });
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['tools/build/build.mjs', 'apps/interlink'], { cwd: root, stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const plugin = spawn(process.execPath, ['-e', PLUGIN_SOURCE], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PLUGIN_PORT: String(PORT_BASE) },
  });
  const pluginPort = await waitReady(plugin);
  const config = join(dir, 'InterLinkConfig.yaml');
  // Freshness 0: every /status reaches the plugin, so the figures are pure forwarding cost.
  writeFileSync(
    config,
    `InterlinkAddress: http://127.0.0.1\nInterlinkPort: "${PORT_BASE ? PORT_BASE + 1 : 0}"\nSidecarURL: http://127.0.0.1\nSidecarPort: "${pluginPort}"\nStatusCacheFreshSeconds: 0\n`,
  );
  const nodeFlags = (process.env['RELAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const relay = spawn(
    process.execPath,
    [...nodeFlags, join(root, 'dist/apps/interlink/main.js'), '--config', config],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = JSON.parse(await waitReady(relay, 'relay ready')) as { listen: string };
  const relayPort = new URL(ready.listen).port;
  // Access logs go to a pipe we drain, as in production (one JSON line per request).
  relay.stdout?.on('data', () => undefined);
  const relayPid = relay.pid ?? 0;

  const direct = new HttpClient({ baseUrl: `http://127.0.0.1:${pluginPort}` });
  const viaRelay = new HttpClient({ baseUrl: `http://127.0.0.1:${relayPort}` });
  try {
    await latencies(direct, 500);
    await latencies(viaRelay, 2000); // warm up JIT on both sides
    const d = await latencies(direct, LATENCY_SAMPLES);
    const r = await latencies(viaRelay, LATENCY_SAMPLES);
    const [dp50, dp99, rp50, rp99] = [
      percentile(d, 50),
      percentile(d, 99),
      percentile(r, 50),
      percentile(r, 99),
    ];

    const rssStart = rssMiB(relayPid);
    const warm = Math.min(10_000, TOTAL_REQUESTS);
    await load(viaRelay, warm, CONCURRENCY);
    const rssAfterWarm = rssMiB(relayPid);
    const cpuBefore = cpuSeconds(relayPid);
    const seconds = await load(viaRelay, TOTAL_REQUESTS - warm, CONCURRENCY);
    const relayCpu = cpuSeconds(relayPid) - cpuBefore;
    const rps = (TOTAL_REQUESTS - warm) / seconds;
    const rssEnd = rssMiB(relayPid);

    const bigBody = JSON.stringify(Array.from({ length: 1000 }, (_, i) => pod(i)));
    const big: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = process.hrtime.bigint();
      const res = await viaRelay.request({
        method: 'GET',
        path: '/status',
        body: bigBody,
        headers: { 'Content-Type': 'application/json' },
      });
      big.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.status !== 200 || (res.json() as unknown[]).length !== 1000)
        throw new Error('1000-pod status failed');
    }
    big.sort((a, b) => a - b);

    const f = (n: number): string => n.toFixed(3);
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, relay node flags: ${nodeFlags.join(' ') || '(none)'}`,
    );
    console.log(`latency, 1 pod per /status, ${LATENCY_SAMPLES} sequential requests (ms):`);
    console.log(`  direct to plugin   p50 ${f(dp50)}  p99 ${f(dp99)}`);
    console.log(`  through the relay  p50 ${f(rp50)}  p99 ${f(rp99)}`);
    console.log(`  relay overhead     p50 ${f(rp50 - dp50)}  p99 ${f(rp99 - dp99)}`);
    console.log(
      `throughput through the relay (concurrency ${CONCURRENCY}, ${TOTAL_REQUESTS - warm} requests): ${rps.toFixed(0)} req/s`,
    );
    console.log(
      `  relay CPU: ${relayCpu.toFixed(1)} s for ${TOTAL_REQUESTS - warm} requests = ${((relayCpu / (TOTAL_REQUESTS - warm)) * 1e6).toFixed(0)} µs/request, i.e. ${((TOTAL_REQUESTS - warm) / relayCpu).toFixed(0)} requests per relay CPU-second (the load generator and plugin share the same ${cpus().length} cores)`,
    );
    console.log(
      `relay RSS: start ${rssStart.toFixed(1)} MiB, after ${warm} requests ${rssAfterWarm.toFixed(1)} MiB, after ${TOTAL_REQUESTS} requests ${rssEnd.toFixed(1)} MiB`,
    );
    console.log(
      `1000-pod /status end to end (30 runs, ms): p50 ${f(percentile(big, 50))}  max ${f(big[big.length - 1] ?? NaN)}`,
    );
  } finally {
    direct.close();
    viaRelay.close();
    relay.kill('SIGTERM');
    plugin.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
