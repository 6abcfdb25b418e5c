import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchEnv, workspaceRoot } from '@interlink/testbench';

let built = false;

/** Bundle the app once per test process so tests run the same artefact as production. */
export function buildVk(): string {
  const root = workspaceRoot();
  if (!built) {
    execFileSync('node', ['tools/build/build.mjs', 'apps/virtual-kubelet'], { cwd: root, stdio: 'pipe' });
    built = true;
  }
  return join(root, 'dist/apps/virtual-kubelet/main.js');
}

/** The built virtual kubelet as a child process, configured through a YAML file and env vars. */
export class VkProcess {
  child: ChildProcess | undefined;
  readonly output: string[] = [];
  readonly configPath: string;

  constructor(
    readonly nodeName: string,
    config: Record<string, unknown>,
    private readonly env: Record<string, string> = {},
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'vk-proc-'));
    this.configPath = join(dir, 'InterLinkConfig.yaml');
    writeFileSync(this.configPath, stringify(config));
  }

  start(): void {
    const main = buildVk();
    // VK_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the controller in benchmarks.
    const nodeArgs = (process.env.VK_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...nodeArgs, main, '-nodename', this.nodeName, '-configpath', this.configPath], {
      env: { ...process.env, KUBECONFIG: benchEnv.kubeconfig, POD_IP: '127.0.0.1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => this.output.push(...d.toString().split('\n').filter(Boolean));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  /** SIGKILL: a crash, nothing cleaned up. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  logLines(msg: string): Array<Record<string, unknown>> {
    return this.output
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => l['msg'] === msg);
  }
}
