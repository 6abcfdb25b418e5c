/**
 * A flood of unauthenticated kubelet API requests, in a process of its own so that its CPU does
 * not disturb the benchmark's clocks. Run by kubelet-flood-bench.ts:
 *   flood-client.ts <port> <requests> <concurrency>
 * Prints "ready", floods when it reads a line on stdin, then prints one JSON line: answers by
 * HTTP status (0 = connection error), seconds taken. Every request is GET /pods with a random
 * bearer token over keep-alive TLS connections (the budget is the target, not the handshakes).
 * A load generator, so plain node:https rather than http-kit's axios client: axios costs 210–255 µs
 * of CPU per request against 76–90 µs for node:http (measured 2026-12-07, see
 * apps/interlink/bench/RESULTS.md), which on this 2-core bench would throttle the flood itself.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';

const [port, requests, concurrency] = process.argv.slice(2).map(Number) as [number, number, number];

function one(agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const headers = { Authorization: `Bearer ${randomBytes(24).toString('base64url')}` };
    const req = request({ host: '127.0.0.1', port, path: '/pods', headers, agent, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function flood(): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
  const statuses: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const status = await one(agent);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  console.log(JSON.stringify({ statuses, seconds }));
}

console.log('ready');
createInterface({ input: process.stdin }).once('line', () => {
  flood()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
});
