import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot, sleep } from '@interlink/testbench';

export interface StartOptions {
  name: string;
  cmd: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The processes one chain started (our apps from dist, upstream binaries), each in its own
 * process group with its output in `<dir>/<name>.log`; `stopAll` ends exactly these and
 * nothing else on the machine.
 */
export class ProcessGroup {
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly logDir: string) {}

  start(opts: StartOptions): ChildProcess {
    const out = createWriteStream(this.logPath(opts.name), { flags: 'a' });
    const child = spawn(opts.cmd, opts.args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    this.children.set(opts.name, child);
    return child;
  }

  logPath(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  /** The last lines a process wrote: attached to failures so they say why. */
  tail(name: string, lines = 30): string {
    try {
      return readFileSync(this.logPath(name), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The last `lines` lines of a process's log that contain `needle`. */
  linesAbout(name: string, needle: string, lines: number): string {
    try {
      const all = readFileSync(this.logPath(name), 'utf8').split('\n');
      return all
        .filter((l) => l.includes(needle))
        .slice(-lines)
        .map((l) => l.slice(0, 600))
        .join('\n');
    } catch {
      return '';
    }
  }

  exited(name: string): boolean {
    const c = this.children.get(name);
    return c === undefined || c.exitCode !== null || c.signalCode !== null;
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.pid;
  }

  /** TERM to each process group, KILL after `graceMs` for what is still there. */
  async stopAll(graceMs = 8000): Promise<void> {
    const live = [...this.children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of live) signalGroup(c, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && live.some((c) => c.exitCode === null && c.signalCode === null)) {
      await sleep(100);
    }
    for (const c of live) if (c.exitCode === null && c.signalCode === null) signalGroup(c, 'SIGKILL');
    this.children.clear();
  }
}

function signalGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    // already gone
  }
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
