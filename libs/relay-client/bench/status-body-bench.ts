/**
 * How a node's 5,000-pod `/status` tick (10 requests of 500 pods, 4 in flight, as RelayProvider
 * sends it) costs with the cached per-pod pieces joined by Buffer.concat (what the axios
 * HttpClient does) versus streamed to axios piece by piece.
 *
 * Run:  npx tsx --tsconfig tsconfig.base.json libs/relay-client/bench/status-body-bench.ts
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import axios from 'axios';
import { HttpClient } from '@interlink/http-kit';

const PODS = 5_000;
const CHUNK = 500;
const TICKS = 40;

function podBytes(i: number): Buffer {
  const metadata = { name: `pod-${i}`, namespace: 'default', uid: `uid-${i}`, annotations: { note: 'y'.repeat(1500) } };
  const spec = { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] };
  return Buffer.from(JSON.stringify({ metadata, spec, status: { phase: 'Running' } }));
}

function requestBodies(): Buffer[][] {
  const pods = Array.from({ length: PODS }, (_, i) => podBytes(i));
  const bodies: Buffer[][] = [];
  for (let start = 0; start < PODS; start += CHUNK) {
    const parts = [Buffer.from('[')];
    for (const [i, pod] of pods.slice(start, start + CHUNK).entries()) parts.push(...(i > 0 ? [Buffer.from(','), pod] : [pod]));
    parts.push(Buffer.from(']'));
    bodies.push(parts);
  }
  return bodies;
}

type Send = (parts: Buffer[]) => Promise<unknown>;

async function tick(bodies: Buffer[][], send: Send): Promise<void> {
  const queue = [...bodies];
  const worker = async (): Promise<void> => {
    for (let parts = queue.shift(); parts; parts = queue.shift()) await send(parts);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function measure(name: string, bodies: Buffer[][], send: Send): Promise<void> {
  for (let i = 0; i < 5; i++) await tick(bodies, send);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < TICKS; i++) await tick(bodies, send);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6 / TICKS;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / TICKS;
  console.log(`${name}: ${wallMs.toFixed(1)} ms per tick, CPU ${cpuMs.toFixed(1)} ms per tick (client and server in this process)`);
}

async function main(): Promise<void> {
  const bodies = requestBodies();
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => res.end(`{"size":${size}}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new HttpClient({ baseUrl });
  const agent = new Agent({ keepAlive: true });
  const raw = axios.create({ baseURL: baseUrl, httpAgent: agent, proxy: false, maxRedirects: 0, transformRequest: [], validateStatus: null, maxBodyLength: -1 });
  const headers = { 'Content-Type': 'application/json' };
  const concat: Send = (parts) => client.request({ method: 'GET', path: '/status', body: parts, headers });
  const streamed: Send = (parts) =>
    raw.request({
      method: 'GET',
      url: '/status',
      data: Readable.from(parts, { objectMode: false }),
      headers: { ...headers, 'Content-Length': parts.reduce((n, b) => n + b.length, 0) },
    });
  for (let round = 0; round < 2; round++) {
    await measure('Buffer.concat (HttpClient)', bodies, concat);
    await measure('stream of pieces (axios)', bodies, streamed);
  }
  client.close();
  agent.destroy();
  server.close();
}

void main();
