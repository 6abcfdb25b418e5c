import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { workspaceRoot } from '@interlink/testbench';

const built = new Set<string>();

/** Bundle an app (dist/apps/<name>/main.js) once per test process. */
export function buildApp(app: string): string {
  const root = workspaceRoot();
  if (!built.has(app)) {
    execFileSync('node', ['tools/build/build.mjs', `apps/${app}`], { cwd: root, stdio: 'pipe' });
    built.add(app);
  }
  return join(root, `dist/apps/${app}/main.js`);
}

/** A built interLink app (relay, plugin) running as a child process with a YAML config. */
export class ServiceProcess {
  child: ChildProcess | undefined;
  readonly output: string[] = [];
  readonly configPath: string;

  constructor(
    readonly app: string,
    config: Record<string, unknown>,
    private readonly args: (configPath: string) => string[],
    private readonly env: Record<string, string> = {},
  ) {
    const dir = mkdtempSync(join(tmpdir(), `${app}-`));
    this.configPath = join(dir, 'InterLinkConfig.yaml');
    writeFileSync(this.configPath, stringify(config));
  }

  start(): void {
    this.child = spawn(process.execPath, [buildApp(this.app), ...this.args(this.configPath)], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => this.output.push(...d.toString().split('\n').filter(Boolean));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Containers a Docker sidecar instance still owns (label interlink.sidecar=<instance>). */
export function sidecarContainers(instance: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=interlink.sidecar=${instance}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** Wait until the node controller has deleted every pod remotely, then remove any straggler. */
export async function drainSidecar(instance: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && sidecarContainers(instance).length > 0) await new Promise((r) => setTimeout(r, 1000));
  const left = sidecarContainers(instance);
  if (left.length > 0) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'pipe' });
}
