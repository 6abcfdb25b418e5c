import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import { expandKubeVars } from './kube-vars';
import { PodSpecError } from './pod-spec-error';
import { assertInsideAfterSymlinks, PathTraversalError, safeJoin } from './safe-path';
import type { PlannedVolume, VolumePlan } from './volume-planner';

const PROPAGATION: Record<string, Docker.MountPropagation> = {
  HostToContainer: 'rslave',
  Bidirectional: 'rshared',
};

/**
 * Docker mounts for one container's volumeMounts. Runs when the container is created (volume
 * files exist by then) because subPath checks must look at the real filesystem: a sub-path of
 * a writable volume may be a symlink a container planted.
 */
export function buildMounts(
  container: V1Container,
  plan: VolumePlan,
  env: ReadonlyMap<string, string>,
): Docker.MountSettings[] {
  const mounts: Docker.MountSettings[] = [];
  for (const m of container.volumeMounts ?? []) {
    const vol = plan.volumes.get(m.name);
    if (!vol) continue; // not materialised (ExportPodData: false)
    if (!isAbsolute(m.mountPath))
      throw new PodSpecError(`container "${container.name}": mountPath "${m.mountPath}" must be absolute`);
    const subPath = m.subPathExpr ? expandKubeVars(m.subPathExpr, (n) => env.get(n)) : m.subPath;
    const readOnly = vol.kind === 'files' ? true : Boolean(m.readOnly);
    const propagation = m.mountPropagation ? PROPAGATION[m.mountPropagation] : undefined;
    if (vol.kind === 'memory') {
      if (subPath)
        throw new PodSpecError(
          `container "${container.name}": subPath on the memory-backed emptyDir "${vol.name}" is not supported`,
        );
      mounts.push({ Type: 'volume', Source: vol.dockerVolume, Target: m.mountPath, ReadOnly: readOnly });
      continue;
    }
    const source = subPath ? subPathSource(container.name, vol, subPath) : rootOf(vol);
    mounts.push({
      Type: 'bind',
      Source: source,
      Target: m.mountPath,
      ReadOnly: readOnly,
      ...(propagation ? { BindOptions: { Propagation: propagation } } : {}),
    });
  }
  return mounts;
}

function rootOf(vol: Exclude<PlannedVolume, { kind: 'memory' }>): string {
  return vol.kind === 'hostPath' ? vol.path : vol.dir;
}

function subPathSource(
  container: string,
  vol: Exclude<PlannedVolume, { kind: 'memory' }>,
  subPath: string,
): string {
  const root = rootOf(vol);
  const what = `container "${container}": subPath`;
  try {
    const full = safeJoin(root, subPath, what);
    if (!existsSync(full)) {
      // The kubelet creates missing sub-directories of writable volumes; files of configMap and
      // secret volumes must exist (a missing key is a spec error).
      if (vol.kind === 'files')
        throw new PodSpecError(`${what} "${subPath}" does not exist in volume "${vol.name}"`);
      mkdirSync(full, { recursive: true, mode: 0o777 });
    }
    assertInsideAfterSymlinks(root, full, `${what} "${subPath}"`);
    return full;
  } catch (err) {
    if (err instanceof PathTraversalError) throw new PodSpecError(err.message);
    throw err;
  }
}
