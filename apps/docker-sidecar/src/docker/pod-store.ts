import { randomUUID } from 'node:crypto';
import { access, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RetrievedPodDataCodec, type RetrievedPodData } from '@interlink/api';

const SPEC_FILE = 'pod.json';
const LAUNCHED_FILE = 'launched';

/**
 * Durable "a container of this pod was created": after a restart, a recorded pod without any
 * container then means "removed behind our back", not "still pulling its image".
 */
export async function markLaunched(podDir: string): Promise<void> {
  await writeFile(join(podDir, LAUNCHED_FILE), '', { mode: 0o600, flag: 'a' });
}

export async function wasLaunched(podDir: string): Promise<boolean> {
  return access(join(podDir, LAUNCHED_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * The create request of each pod, kept next to its volume files (`<root>/<ns>-<uid>/pod.json`,
 * 0600: it holds resolved secret values) so that after a restart the sidecar can keep running
 * init sequences and restarts. Containers, states and history come from Docker itself.
 */
export class PodStore {
  constructor(readonly root: string) {}

  podDir(namespace: string, uid: string): string {
    return join(this.root, `${namespace}-${uid}`);
  }

  /** Written atomically: temp file, fsync, rename. */
  async save(podDir: string, data: RetrievedPodData): Promise<void> {
    const tmp = join(podDir, `.${SPEC_FILE}.${randomUUID()}`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(data));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(podDir, SPEC_FILE));
  }

  async load(podDir: string): Promise<RetrievedPodData | undefined> {
    try {
      return RetrievedPodDataCodec.parse(await readFile(join(podDir, SPEC_FILE)));
    } catch {
      return undefined;
    }
  }

  /** Pod directories (those holding a stored request) under the root. */
  async podDirs(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const dirs: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const files = await readdir(join(this.root, e.name)).catch(() => [] as string[]);
      if (files.includes(SPEC_FILE)) dirs.push(join(this.root, e.name));
    }
    return dirs;
  }

  async remove(podDir: string): Promise<void> {
    await rm(podDir, { recursive: true, force: true, maxRetries: 3 });
  }
}
