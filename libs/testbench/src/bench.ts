import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type BenchComponent = 'docker' | 'registry' | 'slurm' | 'k8s';

/** Where tests find the bench's services. */
export interface BenchEnv {
  kubeconfig: string;
  dockerSocket: string;
  registry: string;
  stateDir: string;
}

export const benchEnv: BenchEnv = {
  stateDir: process.env.TESTBENCH_STATE_DIR ?? '/var/lib/interlink-testbench',
  kubeconfig:
    process.env.TESTBENCH_KUBECONFIG ??
    join(process.env.TESTBENCH_STATE_DIR ?? '/var/lib/interlink-testbench', 'kubeconfig'),
  dockerSocket: '/var/run/docker.sock',
  registry: process.env.TESTBENCH_REGISTRY ?? 'localhost:5000',
};

/** The repository root (the directory holding nx.json), found from this file. */
export function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('workspace root (nx.json) not found');
    dir = parent;
  }
  return dir;
}

/** `tools/testbench/testbench.sh`; `TESTBENCH_SCRIPT` replaces it (tests of the failure path). */
export function benchScript(): string {
  return process.env.TESTBENCH_SCRIPT ?? join(workspaceRoot(), 'tools', 'testbench', 'testbench.sh');
}

const ensured = new Map<BenchComponent, Promise<void>>();

async function healthy(component: BenchComponent): Promise<boolean> {
  try {
    await run('bash', [benchScript(), 'status', component], { timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function provision(component: BenchComponent): Promise<void> {
  if (await healthy(component)) return;
  try {
    // `up` is idempotent: it starts what died and never rebuilds cached binaries.
    await run('bash', [benchScript(), 'up', component], {
      timeout: 45 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `test bench component "${component}" could not be started (${e.message.split('\n')[0]}).\n` +
        `Run: bash tools/testbench/testbench.sh up ${component}\n${(e.stderr ?? '').split('\n').slice(-15).join('\n')}`,
    );
  }
  if (!(await healthy(component))) {
    throw new Error(
      `test bench component "${component}" is not healthy after "up"; see tools/testbench/testbench.sh status`,
    );
  }
}

/**
 * Makes sure the named bench services run, starting them when they do not. A test that
 * needs a service calls this in beforeAll; a missing service is an error, never a skip.
 */
export async function ensureBench(components: BenchComponent[]): Promise<BenchEnv> {
  for (const c of components) {
    let p = ensured.get(c);
    if (!p) {
      p = provision(c);
      ensured.set(c, p);
      p.catch(() => ensured.delete(c));
    }
    await p;
  }
  return benchEnv;
}
