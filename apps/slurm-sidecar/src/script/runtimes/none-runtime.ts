import { shellQuote as q } from '../../shell/shell-quote';
import type { ContainerPlan, JobPlan } from '../job-plan';
import {
  filesOf,
  mpiPrefix,
  nulEnvFile,
  type ContainerRuntime,
  type PreparedFile,
} from './container-runtime';

/**
 * Runs the command directly on the compute node, for sites without containers (and for
 * tests). The image is ignored; volumes cannot be mounted, so mounts are not applied.
 */
export class NoneRuntime implements ContainerRuntime {
  readonly name = 'none' as const;

  problems(c: ContainerPlan): string[] {
    if (c.command.length + c.args.length === 0) {
      return [
        `container "${c.name}": runtime "none" has no image entrypoint, so command or args are required`,
      ];
    }
    return [];
  }

  files(c: ContainerPlan, job: JobPlan): PreparedFile[] {
    return c.env.length > 0 ? [nulEnvFile(filesOf(c, job).envNul, c.env)] : [];
  }

  execLines(c: ContainerPlan, job: JobPlan): string[] {
    const argv = [...c.command, ...c.args];
    const lines: string[] = [];
    if (c.workingDir) lines.push(`cd -- ${q(c.workingDir)} || exit 1`);
    const mpi = mpiPrefix(c, job, q);
    if (c.env.length === 0) {
      lines.push(['exec', ...mpi, ...(mpi.length ? [] : ['--']), ...argv.map(q)].join(' '));
      return lines;
    }
    lines.push(`__il_load_env ${q(filesOf(c, job).envNul)}`);
    // env(1) would take a first word containing "=" for one more assignment.
    const target = (argv[0] as string).includes('=') ? ['/bin/sh', '-c', 'exec "$@"', 'sh', ...argv] : argv;
    lines.push(['exec', ...mpi, 'env', '--', '"${__il_env[@]}"', ...target.map(q)].join(' '));
    return lines;
  }

  cleanupLines(): string[] {
    return [];
  }
}
