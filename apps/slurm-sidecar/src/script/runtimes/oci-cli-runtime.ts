import { shellQuote as q } from '../../shell/shell-quote';
import type { RuntimeName } from '../../config/sidecar-config';
import type { ContainerPlan, EnvVar, JobPlan, Mount } from '../job-plan';
import {
  filesOf,
  nulEnvFile,
  runtimeContainerName,
  type ContainerRuntime,
  type PreparedFile,
} from './container-runtime';

/**
 * Docker and Podman CLIs: `<cli> run --rm --init ... image`. The container shares the host
 * network (like apptainer on HPC), so containers of one pod reach each other on localhost.
 */
abstract class OciCliRuntime implements ContainerRuntime {
  abstract readonly name: RuntimeName;
  protected abstract path(job: JobPlan): string;
  protected abstract defaults(job: JobPlan): string[];
  /** Env entries that can go through `--env-file` unchanged; the rest use `-e NAME=value`. */
  protected abstract envFileSafe(e: EnvVar): boolean;

  problems(c: ContainerPlan): string[] {
    const out: string[] = [];
    if (c.mpiFlags)
      out.push(
        `container "${c.name}": slurm-job.vk.io/mpi-flags is not supported with runtime "${this.name}"`,
      );
    for (const m of c.mounts) {
      if (/[\r\n]/.test(m.source + m.target))
        out.push(`container "${c.name}": mount path with a line break cannot be expressed for ${this.name}`);
    }
    for (const [field, id] of [
      ['runAsUser', c.runAsUser],
      ['runAsGroup', c.runAsGroup],
    ] as const) {
      if (id !== undefined && !(Number.isSafeInteger(id) && id >= 0))
        out.push(`container "${c.name}": securityContext.${field} must be a non-negative integer`);
    }
    if (image(c).startsWith('-')) out.push(`container "${c.name}": image must not start with "-"`);
    return out;
  }

  files(c: ContainerPlan, job: JobPlan): PreparedFile[] {
    const f = filesOf(c, job);
    const safe = c.env.filter((e) => this.envFileSafe(e));
    const rest = c.env.filter((e) => !this.envFileSafe(e));
    const out: PreparedFile[] = [];
    if (safe.length > 0) {
      // A comment first line: docker strips a UTF-8 BOM from line 1 only.
      const text = ['# interLink env file', ...safe.map((e) => `${e.name}=${e.value}`)].join('\n') + '\n';
      out.push({ path: f.envDocker, content: Buffer.from(text, 'utf8'), mode: 0o600 });
    }
    if (rest.length > 0) out.push(nulEnvFile(f.envNul, rest));
    return out;
  }

  execLines(c: ContainerPlan, job: JobPlan): string[] {
    const f = filesOf(c, job);
    const cli = q(this.path(job));
    const name = q(runtimeContainerName(job.uid, c.kind, c.name));
    const lines = [`${cli} rm -f ${name} >/dev/null 2>&1`];
    const words = [cli, 'run', '--rm', '--init', '--name', name, ...this.defaults(job).map(q)];
    // IfNotPresent and Always both use the CLI default (pull when missing): compute nodes
    // often cannot reach a registry, and `:latest` images default to Always in Kubernetes.
    if (c.pullPolicy === 'Never') words.push('--pull=never');
    if (c.env.some((e) => this.envFileSafe(e))) words.push('--env-file', q(f.envDocker));
    if (c.env.some((e) => !this.envFileSafe(e))) {
      lines.push(`__il_load_env ${q(f.envNul)}`);
      lines.push('__il_eargs=()');
      lines.push('for __il_kv in "${__il_env[@]}"; do __il_eargs+=(-e "$__il_kv"); done');
      words.push('"${__il_eargs[@]}"');
    }
    for (const m of c.mounts) words.push('--mount', q(mountSpec(m)));
    if (c.workingDir) words.push('-w', q(c.workingDir));
    if (c.runAsUser !== undefined)
      words.push(
        '--user',
        q(c.runAsGroup !== undefined ? `${c.runAsUser}:${c.runAsGroup}` : `${c.runAsUser}`),
      );
    if (c.nvidiaGpus > 0) words.push('--gpus', String(c.nvidiaGpus));
    if (c.amdGpus > 0) words.push('--device', '/dev/kfd', '--device', '/dev/dri');
    words.push(...c.runtimeOptions.map(q));
    const [entry, ...rest] = c.command;
    if (entry !== undefined) words.push('--entrypoint', q(entry));
    words.push(q(image(c)), ...rest.map(q), ...c.args.map(q));
    lines.push(['exec', ...words].join(' '));
    return lines;
  }

  cleanupLines(c: ContainerPlan, job: JobPlan): string[] {
    return [`${q(this.path(job))} rm -f ${q(runtimeContainerName(job.uid, c.kind, c.name))} >/dev/null 2>&1`];
  }
}

/** `docker://busybox` → `busybox`: the OCI CLIs take plain references. */
function image(c: ContainerPlan): string {
  return c.image.replace(/^docker:\/\//, '');
}

/** `--mount` value; it is parsed as CSV, so quoted fields carry commas and quotes safely. */
function mountSpec(m: Mount): string {
  const field = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return [
    'type=bind',
    field(`source=${m.source}`),
    field(`target=${m.target}`),
    ...(m.readOnly ? ['readonly'] : []),
  ].join(',');
}

export class DockerRuntime extends OciCliRuntime {
  readonly name = 'docker' as const;
  protected path(job: JobPlan) {
    return job.runtimes.dockerPath;
  }
  protected defaults(job: JobPlan) {
    return job.runtimes.dockerOptions;
  }
  /**
   * docker's env-file reader takes `NAME=value` lines literally, except that it splits on
   * line breaks, drops a trailing CR, trims leading white space of the line, treats `#` lines
   * as comments and refuses names with blanks.
   */
  protected envFileSafe(e: EnvVar): boolean {
    return (
      !/[\r\n]/.test(e.value) &&
      !/[\s]/u.test(e.name) &&
      !e.name.startsWith('#') &&
      e.name.length + e.value.length < 60_000
    );
  }
}

export class PodmanRuntime extends OciCliRuntime {
  readonly name = 'podman' as const;
  protected path(job: JobPlan) {
    return job.runtimes.podmanPath;
  }
  protected defaults(job: JobPlan) {
    return job.runtimes.podmanOptions;
  }
  /** podman's env-file parser differs between versions (quotes, multi-line); use -e for all. */
  protected envFileSafe(): boolean {
    return false;
  }
}
