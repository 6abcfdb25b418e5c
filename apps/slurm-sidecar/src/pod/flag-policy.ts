import type { SbatchFlag } from './sbatch-flags';

/**
 * Options a pod may set through `slurm-job.vk.io/flags` by default. Left out on purpose (an
 * administrator can add them with `ExtraAllowedSlurmFlags`):
 * - `priority`, `reservation`: privileged or other people's resources (see PRIVILEGED below);
 * - `exclusive` (all forms, `=user` and `=mcs` too): keeps every other user's jobs off whole
 *   nodes, which changes their scheduling; a shared submit user makes `=user` the same thing;
 * - `dependency`, `hold`, `clusters`, ...: not needed to run a pod, or break job tracking.
 * `nice` is here for non-negative values only: a negative one is privileged.
 */
export const DEFAULT_ALLOWED_SLURM_FLAGS = [
  'account',
  'acctg-freq',
  'begin',
  'comment',
  'constraint',
  'core-spec',
  'cores-per-socket',
  'cpu-freq',
  'cpus-per-gpu',
  'cpus-per-task',
  'deadline',
  'delay-boot',
  'distribution',
  'exclude',
  'extra-node-info',
  'gpu-bind',
  'gpu-freq',
  'gpus',
  'gpus-per-node',
  'gpus-per-socket',
  'gpus-per-task',
  'gres',
  'gres-flags',
  'hint',
  'licenses',
  'mail-type',
  'mail-user',
  'mem',
  'mem-bind',
  'mem-per-cpu',
  'mem-per-gpu',
  'mincpus',
  'network',
  'nice',
  'no-requeue',
  'nodelist',
  'nodes',
  'ntasks',
  'ntasks-per-core',
  'ntasks-per-gpu',
  'ntasks-per-node',
  'ntasks-per-socket',
  'oversubscribe',
  'partition',
  'prefer',
  'qos',
  'requeue',
  'signal',
  'sockets-per-node',
  'spread-job',
  'switches',
  'thread-spec',
  'threads-per-core',
  'time',
  'time-min',
  'tmp',
  'use-min-nodes',
  'wckey',
];

/**
 * Options the sidecar sets itself or that would break how it submits, tracks and reads the
 * job. Refused in the configuration; dropped (with a warning) from pods, whose job runs fine
 * without them: upstream's own example annotation carries `--job-name`.
 */
export const MANAGED_BY_SIDECAR: Readonly<Record<string, string>> = {
  'job-name': 'the sidecar names the job after the pod UID',
  output: 'the sidecar writes the job output to its job directory',
  error: 'the sidecar writes the job output to its job directory',
  input: 'the sidecar decides what the job reads',
  'open-mode': 'the sidecar writes the job output to its job directory',
  chdir: 'the job runs in its job directory',
  parsable: 'the sidecar decides how sbatch is called',
  wait: 'the sidecar decides how sbatch is called',
  'test-only': 'the sidecar decides how sbatch is called',
  help: 'the sidecar decides how sbatch is called',
  usage: 'the sidecar decides how sbatch is called',
  version: 'the sidecar decides how sbatch is called',
  array: 'one pod is one batch job',
  wrap: "the job runs the sidecar's script for the pod",
  clusters: 'the sidecar tracks jobs on its own cluster',
};

/** The job's user and group come from runAsUser/runAsGroup, a flavor UID or DefaultUID, never a flag. */
export const JOB_IDENTITY: Readonly<Record<string, string>> = {
  uid: 'the job user comes from securityContext.runAsUser, a flavor UID or DefaultUID',
  gid: 'the job group is decided by the sidecar',
};

interface PrivilegedOption {
  why: string;
  /** only some values are privileged (`nice`: negative ones); default: every use */
  applies?: (value: string | undefined) => boolean;
}

/**
 * Options that need Slurm privileges, use rights meant for others, or get around the
 * sidecar's container runtime. A pod asking for one is refused (400): it asked for more than
 * a pod may have. An administrator may allow them by listing them in the configuration.
 */
export const PRIVILEGED: Readonly<Record<string, PrivilegedOption>> = {
  priority: { why: 'only Slurm operators and administrators may set a job priority' },
  nice: {
    why: "a negative nice puts the job ahead of other users' jobs; only privileged users may set it",
    applies: (v) => v !== undefined && v.trim().startsWith('-'),
  },
  reservation: {
    why: "it would spend reservations the sidecar's Slurm user may use, made for other work",
  },
  'get-user-env': { why: "it loads a user's login environment, which only root may do" },
  export: {
    why: "it sets the environment of the sidecar's script (BASH_ENV, LD_PRELOAD, ...), which gets around the container runtime",
  },
  'export-file': { why: "it reads a file on the sidecar's host into the job's environment" },
  bbf: { why: "it reads a file on the sidecar's host" },
  container: { why: "it runs the job in an OCI bundle instead of the sidecar's container runtime" },
  'container-id': { why: "it runs the job in an OCI bundle instead of the sidecar's container runtime" },
  'mcs-label': { why: 'it changes the security label that decides who sees the job' },
  reboot: { why: 'only Slurm administrators may reboot nodes' },
};

/** What the sidecar does with one option from a pod annotation. */
export type FlagVerdict =
  { action: 'keep' } | { action: 'drop'; reason: string } | { action: 'refuse'; reason: string };

export interface FlagPolicy {
  /** options pods may set: the built-in list (or AllowedSlurmFlags) plus ExtraAllowedSlurmFlags */
  allowed: ReadonlySet<string>;
  /** options the administrator named; privileged ones pass only when named */
  configured: ReadonlySet<string>;
}

/** Managed and identity options can never be allowed: the configuration key says so at start-up. */
export function unallowableReason(name: string): string | undefined {
  return MANAGED_BY_SIDECAR[name] ?? JOB_IDENTITY[name];
}

export function judgePodFlag(flag: SbatchFlag, policy: FlagPolicy): FlagVerdict {
  const managed = MANAGED_BY_SIDECAR[flag.name];
  if (managed) return { action: 'drop', reason: managed };
  const identity = JOB_IDENTITY[flag.name];
  if (identity) return { action: 'refuse', reason: identity };
  const privileged = PRIVILEGED[flag.name];
  const isPrivileged = privileged !== undefined && (privileged.applies?.(flag.value) ?? true);
  if (isPrivileged && !policy.configured.has(flag.name)) {
    return {
      action: 'refuse',
      reason: `${privileged.why}; the administrator can allow it (ExtraAllowedSlurmFlags)`,
    };
  }
  if (!policy.allowed.has(flag.name)) {
    return {
      action: 'drop',
      reason: 'not in the allowed sbatch options (AllowedSlurmFlags, ExtraAllowedSlurmFlags)',
    };
  }
  return { action: 'keep' };
}
