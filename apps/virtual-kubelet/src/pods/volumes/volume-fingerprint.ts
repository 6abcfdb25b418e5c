import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { VolumeContent } from '../pod-create-assembler';

/**
 * A digest of the files a pod's ConfigMap, Secret and projected volumes hold (names, keys and
 * values only: resourceVersion bumps without a content change do not count), so that the
 * refresher pushes only when a container would read something different.
 */
export function volumeFingerprint(content: VolumeContent): string {
  const files = (objs: Array<V1ConfigMap | V1Secret> | null | undefined) =>
    (objs ?? []).map((o) => [
      o.metadata?.name ?? '',
      sorted(o.data),
      sorted((o as V1ConfigMap).binaryData),
      sorted((o as V1Secret).stringData),
    ]);
  const canonical = JSON.stringify([
    files(content.configmaps),
    files(content.secrets),
    files(content.projectedvolumesmaps),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

function sorted(map: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
