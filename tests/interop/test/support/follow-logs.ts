import { spawn } from 'node:child_process';
import { benchEnv, sleep } from '@interlink/testbench';
import { kubectl } from './kube';

/**
 * `kubectl logs -f` until `until` shows up, then `kubectl delete pod`; resolves with what was
 * streamed once the stream has ended by itself (the pod's end closes it).
 */
export async function followLogsThenDelete(ns: string, pod: string, until: string): Promise<string> {
  const child = spawn('kubectl', ['logs', '-f', '-n', ns, pod], {
    env: { ...process.env, KUBECONFIG: benchEnv.kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes(until)) {
      if (child.exitCode !== null) throw new Error(`kubectl logs -f ended early: ${err || out}`);
      if (Date.now() > deadline)
        throw new Error(`no "${until}" in the stream after 60 s: ${out.slice(-500)} ${err}`);
      await sleep(200);
    }
    await kubectl(['delete', 'pod', '-n', ns, pod, '--wait=false']);
    const closed = await Promise.race([ended.then(() => true), sleep(120_000).then(() => false)]);
    if (!closed) throw new Error(`kubectl logs -f still open 120 s after the delete: ${out.slice(-300)}`);
    return out;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
