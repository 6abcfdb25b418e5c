import type { RuntimeName } from '../../config/sidecar-config';
import { containerFiles, type ContainerFiles, type ContainerKind } from '../../store/job-files';
import type { ContainerPlan, JobPlan } from '../job-plan';

/** A file the sidecar writes before submission (env files): path, bytes, mode. */
export interface PreparedFile {
  path: string;
  content: Buffer;
  mode: number;
}

/**
 * How one container runtime turns a ContainerPlan into shell. `execLines` is the body of a
 * bash function that ends by exec-ing the runtime, so the process that receives signals and
 * whose exit code is recorded is the runtime itself. Every pod-supplied word is quoted with
 * shellQuote; env values never appear in the script (they are read from files at run time).
 */
export interface ContainerRuntime {
  readonly name: RuntimeName;
  /** Problems that make this container impossible to run with this runtime. */
  problems(c: ContainerPlan): string[];
  /** Files (env) this runtime reads at run time. */
  files(c: ContainerPlan, job: JobPlan): PreparedFile[];
  execLines(c: ContainerPlan, job: JobPlan): string[];
  /** Best-effort clean-up when the job ends (leftover containers). */
  cleanupLines(c: ContainerPlan, job: JobPlan): string[];
}

export function filesOf(c: ContainerPlan, job: JobPlan): ContainerFiles {
  return containerFiles(job.jobDir, c.kind, c.name);
}

/** NUL-separated `NAME=value` entries: exact bytes, no quoting layer to get wrong. */
export function nulEnvFile(path: string, env: readonly { name: string; value: string }[]): PreparedFile {
  const content = Buffer.from(env.map((e) => `${e.name}=${e.value}\0`).join(''), 'utf8');
  return { path, content, mode: 0o600 };
}

/** A stable, runtime-safe container name for docker/podman/enroot. */
export function runtimeContainerName(podUid: string, kind: ContainerKind, name: string): string {
  return `il-${podUid}-${kind}-${name}`;
}

/** `mpiexec -np $SLURM_NTASKS <flags>` words (already quoted) or nothing. */
export function mpiPrefix(c: ContainerPlan, job: JobPlan, quote: (s: string) => string): string[] {
  if (!c.mpiFlags) return [];
  return [quote(job.runtimes.mpiexecPath), '-np', '"${SLURM_NTASKS:-1}"', ...c.mpiFlags.map(quote)];
}

/** Mount fields that contain the separator of a colon-separated bind syntax cannot be expressed. */
export function colonSyntaxProblems(c: ContainerPlan, runtime: string, forbidden: RegExp): string[] {
  const out: string[] = [];
  for (const m of c.mounts) {
    for (const p of [m.source, m.target]) {
      if (forbidden.test(p))
        out.push(
          `container "${c.name}": mount path "${p}" contains a character ${runtime} bind syntax cannot express`,
        );
    }
  }
  return out;
}
