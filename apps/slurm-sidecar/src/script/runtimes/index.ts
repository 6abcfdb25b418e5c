import type { RuntimeName } from '../../config/sidecar-config';
import { ApptainerRuntime } from './apptainer-runtime';
import type { ContainerRuntime } from './container-runtime';
import { EnrootRuntime } from './enroot-runtime';
import { NoneRuntime } from './none-runtime';
import { DockerRuntime, PodmanRuntime } from './oci-cli-runtime';

export type { ContainerRuntime, PreparedFile } from './container-runtime';

const RUNTIMES: Record<RuntimeName, ContainerRuntime> = {
  singularity: new ApptainerRuntime('singularity'),
  apptainer: new ApptainerRuntime('apptainer'),
  enroot: new EnrootRuntime(),
  podman: new PodmanRuntime(),
  docker: new DockerRuntime(),
  none: new NoneRuntime(),
};

export function runtimeFor(name: RuntimeName): ContainerRuntime {
  return RUNTIMES[name];
}
