import type {
  V1ConfigMap,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1Pod,
  V1Secret,
  V1Volume,
  V1VolumeProjection,
} from '@kubernetes/client-node';
import { formatMap } from './env-resolver';

export interface ProjectedInputs {
  pod: V1Pod;
  /** A `projected` or `downwardAPI` volume. */
  volume: V1Volume;
  /** The relay's pseudo-ConfigMap named after the volume (plain-text data keyed by file path). */
  pseudoMap: V1ConfigMap | undefined;
  configMaps: ReadonlyMap<string, V1ConfigMap>;
  secrets: ReadonlyMap<string, V1Secret>;
}

interface Expected {
  path: string;
  mode: number | undefined;
  /** Content when the pseudo-ConfigMap lacks this path (computed or from shipped objects). */
  fallback: (() => Buffer | undefined) | undefined;
}

/**
 * Files of a projected (or downwardAPI) volume. The node controller already rendered them into
 * a pseudo-ConfigMap; modes are not carried there, so they come from the volume spec. Paths the
 * pseudo-ConfigMap lacks (projected secrets, which upstream drops, or a node controller with
 * projected volumes disabled) are filled from shipped ConfigMaps/Secrets and the downward API.
 */
export function projectedFiles(
  inp: ProjectedInputs,
): Array<{ relPath: string; content: Buffer; mode: number }> {
  const { volume } = inp;
  const sources: V1VolumeProjection[] =
    volume.projected?.sources ?? (volume.downwardAPI ? [{ downwardAPI: volume.downwardAPI }] : []);
  const defaultMode = volume.projected?.defaultMode ?? volume.downwardAPI?.defaultMode ?? 0o644;
  const expected = sources.flatMap((s) => expectedFiles(s, inp));
  const modeOf = new Map(expected.map((e) => [e.path, e.mode]));
  const files = new Map<string, { content: Buffer; mode: number }>();
  for (const [path, text] of Object.entries(inp.pseudoMap?.data ?? {})) {
    files.set(path, { content: Buffer.from(text, 'utf8'), mode: modeOf.get(path) ?? defaultMode });
  }
  for (const [path, b64] of Object.entries(inp.pseudoMap?.binaryData ?? {})) {
    files.set(path, { content: Buffer.from(b64, 'base64'), mode: modeOf.get(path) ?? defaultMode });
  }
  for (const e of expected) {
    if (files.has(e.path)) continue;
    const content = e.fallback?.();
    if (content !== undefined) files.set(e.path, { content, mode: e.mode ?? defaultMode });
  }
  return [...files].map(([relPath, f]) => ({ relPath, ...f }));
}

function expectedFiles(source: V1VolumeProjection, inp: ProjectedInputs): Expected[] {
  if (source.configMap) {
    const data = inp.configMaps.get(source.configMap.name ?? '')?.data ?? {};
    return keyed(source.configMap.items, Object.keys(data), (key) =>
      data[key] === undefined ? undefined : Buffer.from(data[key], 'utf8'),
    );
  }
  if (source.secret) {
    const data = inp.secrets.get(source.secret.name ?? '')?.data ?? {};
    return keyed(source.secret.items, Object.keys(data), (key) =>
      data[key] === undefined ? undefined : Buffer.from(data[key], 'base64'),
    );
  }
  if (source.downwardAPI) {
    return (source.downwardAPI.items ?? []).map((item) => ({
      path: item.path,
      mode: item.mode,
      fallback: () => downwardValue(item, inp.pod),
    }));
  }
  if (source.serviceAccountToken)
    return [{ path: source.serviceAccountToken.path, mode: undefined, fallback: undefined }];
  return [];
}

function keyed(
  items: V1KeyToPath[] | undefined,
  keys: string[],
  read: (key: string) => Buffer | undefined,
): Expected[] {
  if (items && items.length > 0)
    return items.map((i) => ({ path: i.path, mode: i.mode, fallback: () => read(i.key) }));
  return keys.map((k) => ({ path: k, mode: undefined, fallback: () => read(k) }));
}

function downwardValue(item: V1DownwardAPIVolumeFile, pod: V1Pod): Buffer | undefined {
  const path = item.fieldRef?.fieldPath;
  if (!path) return undefined;
  const meta = pod.metadata ?? {};
  const values: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'metadata.labels': formatMap(meta.labels ?? {}),
    'metadata.annotations': formatMap(meta.annotations ?? {}),
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
  };
  const value = values[path];
  return value === undefined ? undefined : Buffer.from(value, 'utf8');
}
