import { chmod, chown, lstat, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { PodSpecError } from '../pod/annotations';
import type { BuiltJob } from '../pod/job-plan-builder';
import type { HostPathCheck } from '../pod/volume-plan';
import { renderSbatchScript, scriptSupportFiles } from '../script/sbatch-script';
import { JobFiles } from '../store/job-files';

/**
 * Materialises a BuiltJob on disk: the job directory (0700), volume directories and files
 * with their modes, env files (0600) and the batch script. A leftover directory from an
 * earlier, unconfirmed attempt is replaced. Returns the script path.
 */
export async function writeJobDirectory(job: BuiltJob, owner: number | undefined): Promise<string> {
  const { plan, volumes } = job;
  await rm(plan.jobDir, { recursive: true, force: true });
  await mkdir(plan.jobDir, { recursive: true, mode: 0o700 });
  await chmod(plan.jobDir, 0o700);
  await mkdir(JobFiles.envDir(plan.jobDir), { mode: 0o700 });
  for (const check of volumes.hostPaths) await checkHostPath(check);
  for (const d of volumes.dirs) {
    await mkdir(d.path, { recursive: true, mode: d.mode });
    await chmod(d.path, d.mode);
  }
  for (const f of [...volumes.files, ...scriptSupportFiles(plan)]) {
    await mkdir(dirname(f.path), { recursive: true, mode: 0o755 });
    await writeFile(f.path, f.content, { mode: f.mode });
    await chmod(f.path, f.mode);
  }
  if (plan.customScript !== undefined) {
    await writeFile(JobFiles.customScript(plan.jobDir), plan.customScript, { mode: 0o700 });
    await chmod(JobFiles.customScript(plan.jobDir), 0o700);
  }
  if (plan.meshScript !== undefined) {
    await writeFile(JobFiles.meshScript(plan.jobDir), plan.meshScript, { mode: 0o774 });
    await chmod(JobFiles.meshScript(plan.jobDir), 0o774);
  }
  const script = JobFiles.script(plan.jobDir);
  await writeFile(script, renderSbatchScript(plan), { mode: 0o700 });
  await chmod(script, 0o700);
  if (owner !== undefined) await chownTree(plan.jobDir, owner);
  return script;
}

/** Sub-directories of a job directory whose files come from the pod's objects (never emptyDirs). */
const OBJECT_VOLUME_ROOTS = ['configMaps', 'secrets', 'projectedVolumeMaps'];

/**
 * New content for the ConfigMap, Secret and projected volumes of a submitted job, as the kubelet
 * updates them: each file is replaced by a rename (a job never reads a torn token), files whose
 * key disappeared are removed, ownership follows the volume directory. Returns the files written.
 */
export async function refreshVolumeFiles(job: BuiltJob): Promise<number> {
  const roots = OBJECT_VOLUME_ROOTS.map((r) => join(job.plan.jobDir, r) + sep);
  const inObjectVolume = (path: string) => roots.some((r) => path.startsWith(r));
  const dirs = job.volumes.dirs.filter((d) => inObjectVolume(d.path + sep));
  const wanted = new Set<string>();
  let written = 0;
  for (const d of dirs) await mkdir(d.path, { recursive: true, mode: d.mode });
  for (const f of job.volumes.files.filter((x) => inObjectVolume(x.path))) {
    wanted.add(f.path);
    await mkdir(dirname(f.path), { recursive: true, mode: 0o755 });
    const owner = await stat(dirname(f.path));
    const tmp = join(dirname(f.path), `..${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    await writeFile(tmp, f.content, { mode: f.mode });
    await chmod(tmp, f.mode);
    if (process.getuid?.() === 0) await chown(tmp, owner.uid, owner.gid);
    await rename(tmp, f.path);
    written++;
  }
  for (const d of dirs) {
    for (const e of await readdir(d.path, { recursive: true, withFileTypes: true })) {
      const path = join(e.parentPath ?? d.path, e.name);
      if (e.isFile() && !wanted.has(path)) await rm(path, { force: true });
    }
  }
  return written;
}

/** Kubernetes hostPath `type` semantics, checked on this host (shared with the compute nodes). */
async function checkHostPath(c: HostPathCheck): Promise<void> {
  const where = `volume "${c.volume}": hostPath "${c.path}"`;
  const info = await stat(c.path).catch(() => undefined);
  switch (c.type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!info) await mkdir(c.path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) throw new PodSpecError(`${where} exists but is not a directory`);
      return;
    case 'Directory':
      if (!info?.isDirectory()) throw new PodSpecError(`${where} is not an existing directory`);
      return;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(c.path), { recursive: true, mode: 0o755 });
        await (await open(c.path, 'a', 0o644)).close();
      } else if (!info.isFile()) throw new PodSpecError(`${where} exists but is not a file`);
      return;
    case 'File':
      if (!info?.isFile()) throw new PodSpecError(`${where} is not an existing file`);
      return;
    case 'Socket':
      if (!info?.isSocket()) throw new PodSpecError(`${where} is not a socket`);
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) throw new PodSpecError(`${where} is not a character device`);
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) throw new PodSpecError(`${where} is not a block device`);
      return;
    default:
      throw new PodSpecError(`${where}: unknown hostPath type "${c.type}"`);
  }
}

/** The job runs as `uid` (sbatch --uid), so it must own what it reads and writes. */
async function chownTree(path: string, uid: number): Promise<void> {
  const info = await lstat(path);
  await chown(path, uid, info.gid);
  if (info.isDirectory()) for (const e of await readdir(path)) await chownTree(join(path, e), uid);
}
