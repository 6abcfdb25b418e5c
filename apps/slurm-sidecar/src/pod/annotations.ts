/** Pod annotations the Slurm sidecar understands (upstream names, plus one of ours). */
export const Annotations = {
  flags: 'slurm-job.vk.io/flags',
  flavor: 'slurm-job.vk.io/flavor',
  imageRoot: 'slurm-job.vk.io/image-root',
  singularityOptions: 'slurm-job.vk.io/singularity-options',
  singularityMounts: 'slurm-job.vk.io/singularity-mounts',
  enrootOptions: 'slurm-job.vk.io/enroot-options',
  enrootMounts: 'slurm-job.vk.io/enroot-mounts',
  preExec: 'slurm-job.vk.io/pre-exec',
  mpiFlags: 'slurm-job.vk.io/mpi-flags',
  podIp: 'interlink.eu/pod-ip',
  tunnelCommands: 'interlink.eu/wstunnel-client-commands',
  /** ours: per-pod container runtime (singularity, apptainer, enroot, podman, docker, none) */
  containerRuntime: 'slurm-job.vk.io/container-runtime',
} as const;

/** A pod the sidecar cannot run as given; the message names the field and the problem. */
export class PodSpecError extends Error {
  override readonly name = 'PodSpecError';
}
