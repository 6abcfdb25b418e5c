import type { RuntimeName } from '../config/sidecar-config';
import type { SbatchFlag } from '../pod/sbatch-flags';
import type { ContainerKind } from '../store/job-files';

/** A bind mount from a host path into the container. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface EnvVar {
  name: string;
  value: string;
}

/** Everything needed to run one container, resolved from the pod and the configuration. */
export interface ContainerPlan {
  kind: ContainerKind;
  /** position among containers of the same kind; used for script function names */
  index: number;
  name: string;
  runtime: RuntimeName;
  /** image with the prefix applied */
  image: string;
  command: string[];
  args: string[];
  workingDir?: string;
  env: EnvVar[];
  mounts: Mount[];
  nvidiaGpus: number;
  amdGpus: number;
  runAsUser?: number;
  runAsGroup?: number;
  /** Kubernetes imagePullPolicy */
  pullPolicy?: string;
  /** extra runtime options from pod annotations, already split into words */
  runtimeOptions: string[];
  /** set when the mpi-flags annotation asks for an mpiexec launch; the extra mpiexec flags */
  mpiFlags?: string[];
}

/** Paths and default options of the runtimes, from the configuration. */
export interface RuntimeSettings {
  singularityPath: string;
  apptainerPath: string;
  singularityOptions: string[];
  enrootPath: string;
  enrootOptions: string[];
  podmanPath: string;
  podmanOptions: string[];
  dockerPath: string;
  dockerOptions: string[];
  mpiexecPath: string;
}

/** One pod as one Slurm job: the input of SbatchScript. */
export interface JobPlan {
  uid: string;
  namespace: string;
  podName: string;
  jobDir: string;
  bashPath: string;
  sbatchFlags: SbatchFlag[];
  /** `export POD_IP=...` (validated IP address) */
  podIp?: string;
  /** administrator shell text (CommandPrefix) */
  commandPrefix: string;
  /** raw shell from annotations, present only when the configuration enables them */
  tunnelCommands?: string;
  preExec?: string;
  /** `<job dir>/mesh.sh`, taken out of pre-exec (upstream's EOFMESH heredoc) */
  meshScript?: string;
  initContainers: ContainerPlan[];
  containers: ContainerPlan[];
  /**
   * A job script sent by the relay (builder or template). It then runs as the only
   * container, named CUSTOM_SCRIPT_CONTAINER, and stands for every container of the pod.
   */
  customScript?: string;
  logTimestamps: boolean;
  runtimes: RuntimeSettings;
}

/** Name of the pseudo-container that runs a relay-provided job script (upstream's name). */
export const CUSTOM_SCRIPT_CONTAINER = 'jobScript';
