import { join } from 'node:path';

/**
 * File layout of one pod's job directory `<DataRootFolder>/<namespace>-<uid>/`. The names
 * of upstream's files are kept (JobID.jid, PodUID.uid, PodNamespace.ns, job.out,
 * run-<ctn>.out, init-<ctn>.out, *.status) so directories left by the Go plugin can be adopted.
 */
export type ContainerKind = 'init' | 'run';

export function jobDirName(namespace: string, uid: string): string {
  return `${namespace}-${uid}`;
}

export const JobFiles = {
  state: (dir: string) => join(dir, 'state.json'),
  script: (dir: string) => join(dir, 'job.slurm'),
  jobOut: (dir: string) => join(dir, 'job.out'),
  jobId: (dir: string) => join(dir, 'JobID.jid'),
  podUid: (dir: string) => join(dir, 'PodUID.uid'),
  podNamespace: (dir: string) => join(dir, 'PodNamespace.ns'),
  envDir: (dir: string) => join(dir, 'env'),
  customScript: (dir: string) => join(dir, 'jobScript.sh'),
  meshScript: (dir: string) => join(dir, 'mesh.sh'),
};

/** Per-container files written by the job script. */
export function containerFiles(dir: string, kind: ContainerKind, name: string) {
  const base = join(dir, `${kind}-${name}`);
  return {
    /** timestamped log written by the job script: `<epoch> <F|P> <text>` per line */
    log: `${base}.log`,
    /** raw output (upstream format, or ours with LogTimestamps off) */
    out: `${base}.out`,
    started: `${base}.started`,
    finished: `${base}.finished`,
    status: `${base}.status`,
    pid: `${base}.pid`,
    /** NUL-separated NAME=value entries, read by the script with mapfile -d '' */
    envNul: join(dir, 'env', `${kind}-${name}.env`),
    /** docker --env-file (values without line breaks) */
    envDocker: join(dir, 'env', `${kind}-${name}.docker-env`),
    /** apptainer/singularity --env-file (shell syntax, single-quoted values) */
    envApptainer: join(dir, 'env', `${kind}-${name}.apptainer-env`),
  };
}
export type ContainerFiles = ReturnType<typeof containerFiles>;
