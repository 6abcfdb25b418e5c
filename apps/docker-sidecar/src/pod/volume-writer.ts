import { randomUUID } from 'node:crypto';
import { chmod, chown, lstat, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Logger } from '@interlink/logging';
import { PodSpecError } from './pod-spec-error';
import { safeJoin } from './safe-path';
import type { PlannedVolume, VolumePlan } from './volume-planner';

/**
 * Materialises a VolumePlan under the per-pod directory. The pod directory is 0700 so that
 * secrets are unreadable on the host; inside containers only the files' own modes matter
 * (bind mounts do not check the host parents). Modes are set with chmod because the umask
 * would otherwise strip bits the pod asked for.
 */
export class VolumeWriter {
  constructor(private readonly logger: Logger) {}

  async write(plan: VolumePlan, podDir: string, fsGroup: number | undefined): Promise<void> {
    await mkdir(podDir, { recursive: true, mode: 0o700 });
    await chmod(podDir, 0o700);
    await rm(`${podDir}/volumes`, { recursive: true, force: true });
    await mkdir(`${podDir}/volumes`, { mode: 0o700 });
    for (const vol of plan.volumes.values()) await this.writeVolume(vol, fsGroup);
  }

  /**
   * New content for the file volumes (configMap, secret, projected, downwardAPI) of a running
   * pod, as the kubelet updates them: every file is replaced by a rename, so a container never
   * reads a half-written token; files whose key disappeared are removed. The volume directory
   * itself is bind-mounted, so containers see the change (subPath mounts keep the old file,
   * as with the kubelet).
   */
  async refresh(plan: VolumePlan, fsGroup: number | undefined): Promise<number> {
    let written = 0;
    for (const vol of plan.volumes.values()) {
      if (vol.kind !== 'files') continue;
      await mkdir(vol.dir, { recursive: true, mode: 0o755 });
      const wanted = new Set<string>();
      for (const file of vol.files) {
        const path = safeJoin(vol.dir, file.relPath, `volume "${vol.name}": file name`);
        wanted.add(path);
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        const tmp = join(dirname(path), `..${randomUUID()}.tmp`);
        await writeFile(tmp, file.content, { mode: file.mode });
        await chmod(tmp, file.mode);
        if (fsGroup !== undefined) await this.chgrp(tmp, fsGroup);
        await rename(tmp, path);
        written++;
      }
      for (const path of await filesUnder(vol.dir)) {
        if (!wanted.has(path)) await rm(path, { force: true });
      }
    }
    return written;
  }

  async remove(podDir: string): Promise<void> {
    await rm(podDir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async writeVolume(vol: PlannedVolume, fsGroup: number | undefined): Promise<void> {
    switch (vol.kind) {
      case 'files': {
        await mkdir(vol.dir, { mode: 0o755 });
        await chmod(vol.dir, 0o755);
        for (const file of vol.files) {
          const path = safeJoin(vol.dir, file.relPath, `volume "${vol.name}": file name`);
          await mkdir(dirname(path), { recursive: true, mode: 0o755 });
          await writeFile(path, file.content, { mode: file.mode });
          await chmod(path, file.mode);
          if (fsGroup !== undefined) await this.chgrp(path, fsGroup);
        }
        return;
      }
      case 'emptyDir':
        await mkdir(vol.dir, { mode: 0o777 });
        // Any container user may write, as with the kubelet's emptyDir.
        await chmod(vol.dir, fsGroup !== undefined ? 0o2777 : 0o777);
        if (fsGroup !== undefined) await this.chgrp(vol.dir, fsGroup);
        return;
      case 'hostPath':
        await prepareHostPath(vol.name, vol.path, vol.type);
        return;
      case 'memory':
        return; // a Docker volume, created with the sandbox
    }
  }

  private async chgrp(path: string, gid: number): Promise<void> {
    try {
      await chown(path, -1, gid);
    } catch (err) {
      this.logger.warn('fsGroup not applied (sidecar not running as root?)', { path, gid, err });
    }
  }
}

/** The kubelet's hostPath type checks; `DirectoryOrCreate`/`FileOrCreate` create what is missing. */
async function prepareHostPath(volume: string, path: string, type: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new PodSpecError(`volume "${volume}": hostPath ${path} ${what} (type ${type || 'unset'})`);
  };
  switch (type) {
    case '':
      if (!existing) await mkdir(path, { recursive: true, mode: 0o755 });
      return;
    case 'DirectoryOrCreate':
      if (!existing) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!(await stat(path)).isDirectory()) fail('exists and is not a directory');
      return;
    case 'Directory':
      if (!existing || !(await stat(path)).isDirectory()) fail('is not an existing directory');
      return;
    case 'FileOrCreate':
      if (!existing) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await (await open(path, 'a', 0o644)).close();
      } else if (!(await stat(path)).isFile()) fail('exists and is not a file');
      return;
    case 'File':
      if (!existing || !(await stat(path)).isFile()) fail('is not an existing file');
      return;
    case 'Socket':
      if (!existing || !(await stat(path)).isSocket()) fail('is not an existing socket');
      return;
    case 'CharDevice':
      if (!existing || !(await stat(path)).isCharacterDevice()) fail('is not an existing character device');
      return;
    case 'BlockDevice':
      if (!existing || !(await stat(path)).isBlockDevice()) fail('is not an existing block device');
      return;
    default:
      fail('has an unknown hostPath type');
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? dir, e.name))
    .filter((p) => !relative(dir, p).startsWith('..'));
}
