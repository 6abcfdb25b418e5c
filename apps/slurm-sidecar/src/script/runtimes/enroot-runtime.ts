import { shellQuote as q } from '../../shell/shell-quote';
import type { ContainerPlan, JobPlan } from '../job-plan';
import {
  colonSyntaxProblems,
  filesOf,
  mpiPrefix,
  nulEnvFile,
  runtimeContainerName,
  type ContainerRuntime,
  type PreparedFile,
} from './container-runtime';

/**
 * NVIDIA enroot: import the image into a squashfs file in the job directory, create a
 * container from it, start it. Environment is passed with `--env NAME=value` words built at
 * run time from the NUL-separated env file, so values never pass through shell syntax.
 * Enroot has no working-directory option; args without a command become the command.
 */
export class EnrootRuntime implements ContainerRuntime {
  readonly name = 'enroot' as const;

  problems(c: ContainerPlan): string[] {
    const out = colonSyntaxProblems(c, 'enroot', /[:\s]/);
    if (c.workingDir) out.push(`container "${c.name}": workingDir is not supported by runtime "enroot"`);
    if (c.image.startsWith('-')) out.push(`container "${c.name}": image must not start with "-"`);
    return out;
  }

  files(c: ContainerPlan, job: JobPlan): PreparedFile[] {
    return c.env.length > 0 ? [nulEnvFile(filesOf(c, job).envNul, c.env)] : [];
  }

  execLines(c: ContainerPlan, job: JobPlan): string[] {
    const bin = q(job.runtimes.enrootPath);
    const name = q(runtimeContainerName(job.uid, c.kind, c.name));
    const sqsh = q(`${job.jobDir}/images/${c.kind}-${c.name}.sqsh`);
    const lines = [
      `mkdir -p -- ${q(`${job.jobDir}/images`)} || exit 1`,
      `${bin} import --output ${sqsh} ${q(c.image)} || exit $?`,
      `${bin} create --force --name ${name} ${sqsh} || exit $?`,
    ];
    const words = [
      ...mpiPrefix(c, job, q),
      bin,
      'start',
      ...job.runtimes.enrootOptions.map(q),
      ...c.runtimeOptions.map(q),
    ];
    if (c.env.length > 0) {
      lines.push(`__il_load_env ${q(filesOf(c, job).envNul)}`);
      lines.push('__il_eargs=()');
      lines.push('for __il_kv in "${__il_env[@]}"; do __il_eargs+=(--env "$__il_kv"); done');
      words.push('"${__il_eargs[@]}"');
    }
    for (const m of c.mounts) words.push('--mount', q(`${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`));
    words.push(name, ...c.command.map(q), ...c.args.map(q));
    lines.push(['exec', ...words].join(' '));
    return lines;
  }

  cleanupLines(c: ContainerPlan, job: JobPlan): string[] {
    return [
      `${q(job.runtimes.enrootPath)} remove --force ${q(runtimeContainerName(job.uid, c.kind, c.name))} >/dev/null 2>&1`,
    ];
  }
}
