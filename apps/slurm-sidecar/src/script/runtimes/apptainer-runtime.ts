import { shellQuote as q } from '../../shell/shell-quote';
import type { ContainerPlan, JobPlan } from '../job-plan';
import {
  colonSyntaxProblems,
  filesOf,
  mpiPrefix,
  type ContainerRuntime,
  type PreparedFile,
} from './container-runtime';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Apptainer and SingularityCE (same command line): `exec` when the container has a
 * command, `run` (the image's runscript/entrypoint) when it only has args. Environment goes
 * through `--env-file`, which apptainer evaluates as shell: every value is single-quoted so
 * it stays literal. GPUs add `--nv` (NVIDIA) or `--rocm` (AMD) only when requested.
 */
export class ApptainerRuntime implements ContainerRuntime {
  constructor(readonly name: 'apptainer' | 'singularity') {}

  problems(c: ContainerPlan): string[] {
    const out = colonSyntaxProblems(c, this.name, /[:,]/);
    for (const e of c.env) {
      if (!IDENTIFIER.test(e.name))
        out.push(
          `container "${c.name}": env name "${e.name}" cannot be set by ${this.name} (not a shell identifier)`,
        );
    }
    if (c.image.startsWith('-')) out.push(`container "${c.name}": image must not start with "-"`);
    return out;
  }

  files(c: ContainerPlan, job: JobPlan): PreparedFile[] {
    if (c.env.length === 0) return [];
    const text = c.env.map((e) => `${e.name}=${q(e.value)}`).join('\n') + '\n';
    return [{ path: filesOf(c, job).envApptainer, content: Buffer.from(text, 'utf8'), mode: 0o600 }];
  }

  execLines(c: ContainerPlan, job: JobPlan): string[] {
    const bin = this.name === 'apptainer' ? job.runtimes.apptainerPath : job.runtimes.singularityPath;
    const [entry, ...rest] = c.command;
    const words = [
      ...mpiPrefix(c, job, q),
      q(bin),
      entry !== undefined ? 'exec' : 'run',
      ...job.runtimes.singularityOptions.map(q),
    ];
    if (c.nvidiaGpus > 0) words.push('--nv');
    if (c.amdGpus > 0) words.push('--rocm');
    words.push(...c.runtimeOptions.map(q));
    if (c.env.length > 0) words.push('--env-file', q(filesOf(c, job).envApptainer));
    for (const m of c.mounts) words.push('--bind', q(`${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`));
    if (c.workingDir) words.push('--pwd', q(c.workingDir));
    words.push(q(c.image));
    if (entry !== undefined) words.push(q(entry), ...rest.map(q));
    words.push(...c.args.map(q));
    return [['exec', ...words].join(' ')];
  }

  cleanupLines(): string[] {
    return [];
  }
}
