import { isAbsolute, join, normalize, sep } from 'node:path';
import type { V1ConfigMap, V1KeyToPath, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import type { RetrievedPodData } from '@interlink/api';
import { memoryVolumeName } from './names';
import { PodSpecError } from './pod-spec-error';
import { memoryToBytes } from './quantity';
import { safeJoin } from './safe-path';
import { projectedFiles, type ProjectedInputs } from './projected-files';

export interface PlannedFile {
  /** Path inside the volume (validated: cannot leave it). */
  relPath: string;
  content: Buffer;
  mode: number;
}

export type PlannedVolume =
  | {
      name: string;
      kind: 'files';
      source: 'configMap' | 'secret' | 'projected' | 'downwardAPI';
      dir: string;
      files: PlannedFile[];
    }
  | { name: string; kind: 'emptyDir'; dir: string }
  | { name: string; kind: 'memory'; dockerVolume: string; sizeBytes: number | undefined }
  | { name: string; kind: 'hostPath'; path: string; type: string };

export interface VolumePlan {
  volumes: Map<string, PlannedVolume>;
}

export interface VolumePlanInput {
  data: RetrievedPodData;
  /** Per-pod directory; volume files go under `<podDir>/volumes/<name>`. */
  podDir: string;
  /** Host path prefixes hostPath volumes may use; empty = hostPath refused. */
  hostPathAllowList: readonly string[];
  /** Upstream `ExportPodData`: when false, configMap/secret/projected volumes are not materialised. */
  exportPodData: boolean;
}

const DEFAULT_MODE = 0o644;
/** Secret files are private unless the pod asks otherwise. */
const DEFAULT_SECRET_MODE = 0o600;

/** ConfigMaps and Secrets shipped with the pod, by name (the relay may repeat them per container). */
export function shippedObjects(data: RetrievedPodData): {
  configMaps: Map<string, V1ConfigMap>;
  secrets: Map<string, V1Secret>;
  projected: Map<string, V1ConfigMap>;
} {
  const configMaps = new Map<string, V1ConfigMap>();
  const secrets = new Map<string, V1Secret>();
  const projected = new Map<string, V1ConfigMap>();
  for (const c of data.container) {
    for (const cm of c.configMaps)
      if (cm.metadata?.name && !configMaps.has(cm.metadata.name)) configMaps.set(cm.metadata.name, cm);
    for (const s of c.secrets)
      if (s.metadata?.name && !secrets.has(s.metadata.name)) secrets.set(s.metadata.name, s);
    for (const p of c.projectedvolumemaps)
      if (p.metadata?.name && !projected.has(p.metadata.name)) projected.set(p.metadata.name, p);
  }
  return { configMaps, secrets, projected };
}

/**
 * Decides, without touching the disk, what every mounted volume of the pod becomes: files to
 * write, a directory, a tmpfs-backed Docker volume, or a host path. Throws PodSpecError for
 * volumes this sidecar cannot provide, so the pod fails at create with a clear reason.
 */
export function planVolumes(input: VolumePlanInput): VolumePlan {
  const pod = input.data.pod;
  const mounted = new Set(
    [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].flatMap((c) =>
      (c.volumeMounts ?? []).map((m) => m.name),
    ),
  );
  const declared = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const name of mounted) {
    if (!declared.has(name)) throw new PodSpecError(`volumeMount "${name}" refers to no volume of the pod`);
  }
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      if (m.subPath) checkRel(m.name, '/volume', m.subPath, `container "${c.name}": subPath`);
      if ((m.subPath || m.subPathExpr) && declared.get(m.name)?.emptyDir?.medium === 'Memory') {
        throw new PodSpecError(
          `container "${c.name}": subPath on the memory-backed emptyDir "${m.name}" is not supported`,
        );
      }
    }
  }
  const shipped = shippedObjects(input.data);
  const volumes = new Map<string, PlannedVolume>();
  for (const vol of declared.values()) {
    if (!mounted.has(vol.name)) continue;
    const dir = join(input.podDir, 'volumes', vol.name);
    const planned = planOne(vol, dir, pod, shipped, input);
    if (planned) volumes.set(vol.name, planned);
  }
  return { volumes };
}

function planOne(
  vol: V1Volume,
  dir: string,
  pod: V1Pod,
  shipped: ReturnType<typeof shippedObjects>,
  input: VolumePlanInput,
): PlannedVolume | undefined {
  const name = vol.name;
  if (vol.emptyDir) {
    if (vol.emptyDir.medium === 'Memory') {
      const size = vol.emptyDir.sizeLimit !== undefined ? memoryToBytes(vol.emptyDir.sizeLimit) : undefined;
      return {
        name,
        kind: 'memory',
        dockerVolume: memoryVolumeName(pod.metadata?.uid ?? '', name),
        sizeBytes: size,
      };
    }
    return { name, kind: 'emptyDir', dir };
  }
  if (vol.hostPath)
    return {
      name,
      kind: 'hostPath',
      path: checkHostPath(name, vol.hostPath.path, input.hostPathAllowList),
      type: vol.hostPath.type ?? '',
    };
  if (!input.exportPodData && (vol.configMap || vol.secret || vol.projected || vol.downwardAPI))
    return undefined;
  if (vol.configMap) {
    const cm = shipped.configMaps.get(vol.configMap.name ?? '');
    if (!cm && !vol.configMap.optional)
      throw new PodSpecError(`volume "${name}": configMap "${vol.configMap.name}" was not sent with the pod`);
    const entries = { ...(cm?.data ?? {}) };
    const binary = Object.fromEntries(
      Object.entries(cm?.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    );
    const files = keyFiles(
      name,
      dir,
      { ...mapValues(entries, (v) => Buffer.from(v, 'utf8')), ...binary },
      vol.configMap.items,
      vol.configMap.defaultMode ?? DEFAULT_MODE,
      vol.configMap.optional,
    );
    return { name, kind: 'files', source: 'configMap', dir, files };
  }
  if (vol.secret) {
    const secret = shipped.secrets.get(vol.secret.secretName ?? '');
    if (!secret && !vol.secret.optional)
      throw new PodSpecError(`volume "${name}": secret "${vol.secret.secretName}" was not sent with the pod`);
    const entries = mapValues(secret?.data ?? {}, (v) => Buffer.from(v, 'base64'));
    const files = keyFiles(
      name,
      dir,
      entries,
      vol.secret.items,
      vol.secret.defaultMode ?? DEFAULT_SECRET_MODE,
      vol.secret.optional,
    );
    return { name, kind: 'files', source: 'secret', dir, files };
  }
  if (vol.projected || vol.downwardAPI) {
    const inputs: ProjectedInputs = {
      pod,
      volume: vol,
      pseudoMap: shipped.projected.get(name),
      configMaps: shipped.configMaps,
      secrets: shipped.secrets,
    };
    const files = projectedFiles(inputs).map((f) => ({ ...f, relPath: checkRel(name, dir, f.relPath) }));
    return { name, kind: 'files', source: vol.projected ? 'projected' : 'downwardAPI', dir, files };
  }
  const kind = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
  throw new PodSpecError(
    `volume "${name}": type ${kind} is not supported by the Docker sidecar (supported: configMap, secret, projected, downwardAPI, emptyDir, hostPath)`,
  );
}

/** Files of a configMap/secret volume: every key, or only `items` (key → path, per-item mode). */
function keyFiles(
  volume: string,
  dir: string,
  entries: Record<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean | undefined,
): PlannedFile[] {
  if (!items || items.length === 0) {
    return Object.entries(entries).map(([key, content]) => ({
      relPath: checkRel(volume, dir, key),
      content,
      mode: defaultMode,
    }));
  }
  const files: PlannedFile[] = [];
  for (const item of items) {
    const content = entries[item.key];
    if (content === undefined) {
      if (optional) continue;
      throw new PodSpecError(`volume "${volume}": key "${item.key}" not found`);
    }
    files.push({ relPath: checkRel(volume, dir, item.path), content, mode: item.mode ?? defaultMode });
  }
  return files;
}

function checkRel(volume: string, dir: string, rel: string, what = `volume "${volume}": file name`): string {
  try {
    safeJoin(dir, rel, what);
  } catch (err) {
    throw new PodSpecError((err as Error).message);
  }
  return rel;
}

function checkHostPath(volume: string, path: string, allowList: readonly string[]): string {
  if (!isAbsolute(path)) throw new PodSpecError(`volume "${volume}": hostPath "${path}" must be absolute`);
  const clean = normalize(path);
  const allowed = allowList.some((prefix) => {
    const p = normalize(prefix).replace(/\/+$/, '');
    return p === '' || clean === p || clean.startsWith(p + sep);
  });
  if (!allowed) {
    throw new PodSpecError(
      `volume "${volume}": hostPath "${path}" is not allowed (config key HostPathAllowList: ${allowList.length ? allowList.join(', ') : 'empty, hostPath disabled'})`,
    );
  }
  return clean;
}

function mapValues<A, B>(obj: Record<string, A>, f: (a: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}
