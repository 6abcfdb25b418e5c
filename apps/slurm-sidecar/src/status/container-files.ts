import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerKind } from '../store/job-files';

/** What the job script recorded about one container. */
export interface ContainerRun {
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
}

/** `1795323407.564549` (or with a comma, as bash prints it in some locales) → Date. */
export function parseEpoch(text: string): Date | undefined {
  const t = text.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  return new Date(Math.round(Number(t) * 1000));
}

/**
 * Reads the per-container files of job directories. A container whose exit code is known
 * never changes again, so those results are cached; a pod's directory is listed once per
 * read so containers that have not started cost no failed opens.
 */
export class ContainerFilesReader {
  private readonly finished = new Map<string, ContainerRun>();

  async read(
    jobDir: string,
    containers: readonly { kind: ContainerKind; name: string }[],
  ): Promise<Map<string, ContainerRun>> {
    const out = new Map<string, ContainerRun>();
    const pending = containers.filter((c) => {
      const cached = this.finished.get(cacheKey(jobDir, c.kind, c.name));
      if (cached) out.set(runKey(c.kind, c.name), cached);
      return !cached;
    });
    if (pending.length === 0) return out;
    let names: Set<string>;
    try {
      names = new Set(await readdir(jobDir));
    } catch {
      return out;
    }
    await Promise.all(
      pending.map(async (c) => {
        const base = `${c.kind}-${c.name}`;
        const run: ContainerRun = {};
        const text = async (ext: string) =>
          names.has(base + ext) ? readFile(join(jobDir, base + ext), 'utf8').catch(() => '') : '';
        const [status, started, finished] = await Promise.all([
          text('.status'),
          text('.started'),
          text('.finished'),
        ]);
        const code = status.trim();
        if (/^\d+$/.test(code)) run.exitCode = Number(code);
        const s = parseEpoch(started);
        const f = parseEpoch(finished);
        if (s) run.startedAt = s;
        if (f) run.finishedAt = f;
        out.set(runKey(c.kind, c.name), run);
        if (run.exitCode !== undefined) this.finished.set(cacheKey(jobDir, c.kind, c.name), run);
      }),
    );
    return out;
  }

  /** Drop cached results of a removed job directory. */
  forget(jobDir: string): void {
    for (const k of this.finished.keys()) if (k.startsWith(jobDir + '\0')) this.finished.delete(k);
  }
}

export function runKey(kind: ContainerKind, name: string): string {
  return `${kind}:${name}`;
}

function cacheKey(dir: string, kind: ContainerKind, name: string): string {
  return `${dir}\0${kind}:${name}`;
}
