import { isAbsolute, join, resolve, sep } from 'node:path';
import type { V1ConfigMap, V1KeyToPath, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import type { RetrievedContainer } from '@interlink/api';
import type { Mount } from '../script/job-plan';
import { PodSpecError } from './annotations';
import { checkLiteral, isDnsLabel } from './names';

export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}
export interface VolumeDir {
  path: string;
  mode: number;
}
/** A hostPath whose `type` must be checked (or created) on the host when the pod is written. */
export interface HostPathCheck {
  volume: string;
  path: string;
  type: string;
}
export interface VolumePlan {
  dirs: VolumeDir[];
  files: VolumeFile[];
  hostPaths: HostPathCheck[];
  /** container name → its bind mounts */
  mounts: Map<string, Mount[]>;
  warnings: string[];
}

export interface VolumeOptions {
  jobDir: string;
  exportPodData: boolean;
  allowedHostPathPrefixes: string[];
}

/** Owner-only bits: secrets and projected data (service-account tokens) are never group/world readable. */
const PRIVATE_MASK = 0o700;

/**
 * Turns the pod's volumes into directories and files under the job directory plus bind
 * mounts per container. Every path derived from the pod (keys, items, subPath) is checked to
 * stay inside its volume directory.
 */
export function planVolumes(
  pod: V1Pod,
  retrieved: readonly RetrievedContainer[],
  opts: VolumeOptions,
): VolumePlan {
  const plan: VolumePlan = { dirs: [], files: [], hostPaths: [], mounts: new Map(), warnings: [] };
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const prepared = new Map<string, string | null>();
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    const mounts: Mount[] = [];
    for (const vm of c.volumeMounts ?? []) {
      const where = `container "${c.name}" volumeMount "${vm.name}"`;
      const vol = volumes.get(vm.name);
      if (!vol) throw new PodSpecError(`${where}: no pod volume with that name`);
      if (vm.subPathExpr) throw new PodSpecError(`${where}: subPathExpr is not supported`);
      if (!vm.mountPath || !isAbsolute(vm.mountPath))
        throw new PodSpecError(`${where}: mountPath "${vm.mountPath ?? ''}" must be absolute`);
      checkLiteral(vm.mountPath, `${where} mountPath`);
      if (!prepared.has(vol.name)) prepared.set(vol.name, prepareVolume(vol, c.name, retrieved, opts, plan));
      const root = prepared.get(vol.name);
      if (root === null || root === undefined) continue;
      const source = vm.subPath ? insideDir(root, vm.subPath, `${where} subPath`) : root;
      const alwaysReadOnly = !!(vol.configMap || vol.secret || vol.projected || vol.downwardAPI);
      mounts.push({ source, target: vm.mountPath, readOnly: alwaysReadOnly || vm.readOnly === true });
    }
    plan.mounts.set(c.name, mounts);
  }
  return plan;
}

/** Creates the plan entries of one volume; returns its host directory, or null when not mounted. */
function prepareVolume(
  vol: V1Volume,
  containerName: string,
  retrieved: readonly RetrievedContainer[],
  opts: VolumeOptions,
  plan: VolumePlan,
): string | null {
  const where = `volume "${vol.name}"`;
  if (!isDnsLabel(vol.name)) throw new PodSpecError(`${where}: name is not a valid DNS label`);
  if (vol.hostPath) return hostPathSource(vol, opts, plan);
  const podData = vol.configMap || vol.secret || vol.projected || vol.downwardAPI || vol.emptyDir;
  if (!podData) {
    const kind = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
    throw new PodSpecError(`${where}: type ${kind} is not supported by the Slurm sidecar`);
  }
  if (!opts.exportPodData) {
    plan.warnings.push(`${where} not mounted: ExportPodData is false`);
    return null;
  }
  const mine = retrieved.find((r) => r.name === containerName);
  const pools = [mine, ...retrieved].filter((r): r is RetrievedContainer => !!r);

  if (vol.emptyDir) {
    const dir = join(opts.jobDir, 'emptyDirs', vol.name);
    plan.dirs.push({ path: dir, mode: 0o777 });
    return dir;
  }
  if (vol.configMap) {
    const dir = join(opts.jobDir, 'configMaps', vol.name);
    plan.dirs.push({ path: dir, mode: 0o755 });
    const cm = pools.flatMap((r) => r.configMaps ?? []).find((x) => x.metadata?.name === vol.configMap?.name);
    if (!cm) {
      if (vol.configMap.optional) return dir;
      throw new PodSpecError(`${where}: configMap "${vol.configMap.name ?? ''}" was not sent with the pod`);
    }
    addKeys(
      plan,
      dir,
      configMapData(cm),
      vol.configMap.items,
      vol.configMap.defaultMode ?? 0o644,
      0o777,
      where,
      !!vol.configMap.optional,
    );
    return dir;
  }
  if (vol.secret) {
    const dir = join(opts.jobDir, 'secrets', vol.name);
    plan.dirs.push({ path: dir, mode: 0o700 });
    const s = pools.flatMap((r) => r.secrets ?? []).find((x) => x.metadata?.name === vol.secret?.secretName);
    if (!s) {
      if (vol.secret.optional) return dir;
      throw new PodSpecError(`${where}: secret "${vol.secret.secretName ?? ''}" was not sent with the pod`);
    }
    addKeys(
      plan,
      dir,
      secretData(s, where),
      vol.secret.items,
      vol.secret.defaultMode ?? 0o644,
      PRIVATE_MASK,
      where,
      !!vol.secret.optional,
    );
    return dir;
  }
  // projected and downwardAPI arrive flattened into a pseudo-ConfigMap named after the volume.
  const dir = join(opts.jobDir, 'projectedVolumeMaps', vol.name);
  plan.dirs.push({ path: dir, mode: 0o700 });
  const pm = pools.flatMap((r) => r.projectedvolumemaps ?? []).find((x) => x.metadata?.name === vol.name);
  if (!pm) {
    plan.warnings.push(
      `${where}: no projected data was sent (DisableProjectedVolumes?); mounting an empty directory`,
    );
    return dir;
  }
  const mode = vol.projected?.defaultMode ?? vol.downwardAPI?.defaultMode ?? 0o644;
  addKeys(plan, dir, configMapData(pm), undefined, mode, PRIVATE_MASK, where, false);
  return dir;
}

function hostPathSource(vol: V1Volume, opts: VolumeOptions, plan: VolumePlan): string {
  const where = `volume "${vol.name}"`;
  const raw = vol.hostPath?.path ?? '';
  checkLiteral(raw, `${where} hostPath.path`);
  if (!isAbsolute(raw)) throw new PodSpecError(`${where}: hostPath.path "${raw}" must be absolute`);
  const path = resolve(raw);
  const allowed = opts.allowedHostPathPrefixes.some(
    (p) => p === sep || path === p || path.startsWith(p + sep),
  );
  if (!allowed) throw new PodSpecError(`${where}: hostPath "${path}" is outside AllowedHostPathPrefixes`);
  plan.hostPaths.push({ volume: vol.name, path, type: vol.hostPath?.type ?? '' });
  return path;
}

function configMapData(cm: V1ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

function secretData(s: V1Secret, where: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s+/g, '')))
      throw new PodSpecError(`${where}: secret key "${k}" is not base64`);
    out.set(k, Buffer.from(v, 'base64'));
  }
  return out;
}

function addKeys(
  plan: VolumePlan,
  dir: string,
  data: Map<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
  mask: number,
  where: string,
  optional: boolean,
): void {
  const selected: { key: string; path: string; mode: number }[] =
    items && items.length > 0
      ? items.map((i) => ({ key: i.key, path: i.path, mode: i.mode ?? defaultMode }))
      : [...data.keys()].map((k) => ({ key: k, path: k, mode: defaultMode }));
  for (const s of selected) {
    const content = data.get(s.key);
    if (!content) {
      if (optional) continue;
      throw new PodSpecError(`${where}: key "${s.key}" not found`);
    }
    plan.files.push({
      path: insideDir(dir, s.path, `${where} key "${s.key}"`),
      content,
      mode: s.mode & mask & 0o777,
    });
  }
}

/** `dir/rel` when `rel` is a plain relative path that stays inside `dir`; a PodSpecError otherwise. */
export function insideDir(dir: string, rel: string, where: string): string {
  checkLiteral(rel, where);
  const parts = rel.split('/');
  if (rel === '' || isAbsolute(rel) || parts.some((p) => p === '..' || p === '.' || p === '')) {
    throw new PodSpecError(`${where}: path "${rel}" must be relative without "." or ".." segments`);
  }
  const full = join(dir, ...parts);
  if (!full.startsWith(dir + sep))
    throw new PodSpecError(`${where}: path "${rel}" leaves the volume directory`);
  return full;
}
