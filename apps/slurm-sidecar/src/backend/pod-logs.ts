import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { sinceTimeOf, type LogStruct } from '@interlink/api';
import { PluginError } from '@interlink/plugin-server';
import { readContainerLog, type LogTarget } from '../logs/log-reader';
import { CUSTOM_SCRIPT_CONTAINER } from '../script/job-plan';
import { containerFiles, JobFiles, type ContainerKind } from '../store/job-files';
import type { JobRecord } from '../store/job-store';

/** Pseudo-container whose log is Slurm's own output of the job (job.out). */
export const JOB_LOG_CONTAINER = 'job';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Which file holds the requested container's output, and in which format. */
async function locate(
  rec: JobRecord,
  dir: string,
  requested: string,
): Promise<{ kind?: ContainerKind; path: string; stamped: boolean; name: string }> {
  let name = requested;
  if (name === '') {
    if (rec.containers.length === 1) name = rec.containers[0] as string;
    else
      throw new PluginError(
        400,
        `a container name must be given for pod ${rec.namespace}/${rec.name}: one of ${[...rec.initContainers, ...rec.containers].join(', ')}`,
      );
  }
  const kinds: ContainerKind[] = rec.initContainers.includes(name)
    ? ['init']
    : rec.containers.includes(name)
      ? ['run']
      : [];
  if (rec.customScript && kinds.length > 0) {
    const f = containerFiles(dir, 'run', CUSTOM_SCRIPT_CONTAINER);
    return (await exists(f.out))
      ? { kind: 'run', path: f.out, stamped: false, name: CUSTOM_SCRIPT_CONTAINER }
      : { kind: 'run', path: f.log, stamped: true, name: CUSTOM_SCRIPT_CONTAINER };
  }
  if (kinds.length === 0 && name === JOB_LOG_CONTAINER)
    return { path: JobFiles.jobOut(dir), stamped: false, name };
  // Directories adopted from the Go plugin do not list their containers: probe the files.
  const candidates = (kinds.length ? kinds : rec.legacy ? (['run', 'init'] as const) : []).flatMap((k) => {
    const f = containerFiles(dir, k, name);
    return [
      { kind: k, path: f.log, stamped: true, name },
      { kind: k, path: f.out, stamped: false, name },
    ];
  });
  if (candidates.length === 0)
    throw new PluginError(404, `container "${name}" not found in pod ${rec.namespace}/${rec.name}`);
  for (const c of candidates) if (await exists(c.path)) return c;
  return candidates[0] as (typeof candidates)[number];
}

export async function podLogs(
  rec: JobRecord,
  req: LogStruct,
  dir: string,
  signal: AbortSignal,
  jobEnded: () => Promise<boolean>,
): Promise<Readable> {
  const o = req.Opts;
  if (o.Previous)
    throw new PluginError(
      400,
      `previous terminated container "${req.ContainerName}" in pod "${req.PodName}" not found`,
    );
  const where = await locate(rec, dir, req.ContainerName);
  const since = o.SinceSeconds > 0 ? Date.now() - o.SinceSeconds * 1000 : sinceTimeOf(o)?.getTime();
  const statusFile = where.kind ? containerFiles(dir, where.kind, where.name).status : undefined;
  const target: LogTarget = {
    path: where.path,
    stamped: where.stamped,
    isDone: async () => (statusFile !== undefined && (await exists(statusFile))) || (await jobEnded()),
  };
  return readContainerLog(
    target,
    {
      tail: o.Tail,
      bytes: o.Bytes,
      timestamps: o.Timestamps,
      follow: o.Follow,
      ...(since !== undefined ? { sinceMs: since } : {}),
    },
    signal,
  );
}
