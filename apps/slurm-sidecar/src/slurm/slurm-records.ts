/** What Slurm tells about one job, from squeue, sacct or scontrol. */
export interface SlurmJobInfo {
  jobId: string;
  /** long state name, e.g. PENDING, RUNNING, COMPLETED, OUT_OF_MEMORY */
  state: string;
  /** pending/failure reason (squeue %r, sacct Reason), "None" when there is none */
  reason: string;
  /** exit code of the batch script and the signal that ended it, when known */
  exitCode?: number;
  exitSignal?: number;
  startTime?: Date;
  endTime?: Date;
  source: 'squeue' | 'sacct' | 'scontrol';
}

export const TERMINAL_STATES = new Set([
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'CANCELLED',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'REVOKED',
  'SPECIAL_EXIT',
]);

export function isTerminalState(state: string): boolean {
  return TERMINAL_STATES.has(state);
}

/** Slurm prints local times without a zone ("2026-03-02T10:16:02") or N/A, Unknown, None. */
export function parseSlurmTime(text: string | undefined): Date | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text.trim())) return undefined;
  const d = new Date(text.trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** "CANCELLED by 0" → "CANCELLED"; "RUNNING" → "RUNNING". */
export function normaliseState(text: string): string {
  return (text.trim().split(/\s+/)[0] ?? '').replace(/\+$/, '').toUpperCase();
}

/** sacct/scontrol "2:0" → exit 2, signal 0. */
export function parseExitCode(text: string | undefined): { exitCode?: number; exitSignal?: number } {
  const m = /^(\d+):(\d+)$/.exec((text ?? '').trim());
  if (!m) return {};
  return { exitCode: Number(m[1]), exitSignal: Number(m[2]) };
}

export const SQUEUE_FORMAT = '%i|%T|%r|%S|%e';

/** Lines of `squeue --noheader --format=%i|%T|%r|%S|%e`. */
export function parseSqueue(stdout: string): Map<string, SlurmJobInfo> {
  const out = new Map<string, SlurmJobInfo>();
  for (const line of stdout.split('\n')) {
    const f = line.trim().split('|');
    if (f.length < 5 || !/^\d+/.test(f[0] ?? '')) continue;
    const jobId = (f[0] as string).trim();
    const start = parseSlurmTime(f[3]);
    const end = parseSlurmTime(f[4]);
    out.set(jobId, {
      jobId,
      state: normaliseState(f[1] as string),
      reason: (f[2] ?? '').trim(),
      ...(start ? { startTime: start } : {}),
      ...(end ? { endTime: end } : {}),
      source: 'squeue',
    });
  }
  return out;
}

export const SACCT_FIELDS = 'JobID,State,ExitCode,Start,End,Reason';

/** Lines of `sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode,Start,End,Reason`. */
export function parseSacct(stdout: string): Map<string, SlurmJobInfo> {
  const out = new Map<string, SlurmJobInfo>();
  for (const line of stdout.split('\n')) {
    const f = line.split('|');
    if (f.length < 6 || !/^\d+$/.test((f[0] ?? '').trim())) continue;
    const jobId = (f[0] as string).trim();
    const start = parseSlurmTime(f[3]);
    const end = parseSlurmTime(f[4]);
    out.set(jobId, {
      jobId,
      state: normaliseState(f[1] as string),
      reason: (f[5] ?? '').trim(),
      ...parseExitCode(f[2]),
      ...(start ? { startTime: start } : {}),
      ...(end ? { endTime: end } : {}),
      source: 'sacct',
    });
  }
  return out;
}

/** `scontrol show job -o <id>`: one line of Key=Value pairs (values may contain spaces). */
export function parseScontrolJob(stdout: string): SlurmJobInfo | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('JobId='));
  if (!line) return undefined;
  const fields = new Map<string, string>();
  for (const m of line.matchAll(/(?:^|\s)([A-Za-z:/]+)=(.*?)(?=\s+[A-Za-z:/]+=|$)/g))
    fields.set(m[1] as string, m[2] as string);
  const jobId = fields.get('JobId');
  if (!jobId) return undefined;
  const start = parseSlurmTime(fields.get('StartTime'));
  const end = parseSlurmTime(fields.get('EndTime'));
  return {
    jobId,
    state: normaliseState(fields.get('JobState') ?? ''),
    reason: fields.get('Reason') ?? 'None',
    ...parseExitCode(fields.get('ExitCode')),
    ...(start ? { startTime: start } : {}),
    ...(end ? { endTime: end } : {}),
    source: 'scontrol',
  };
}

export interface SinfoNode {
  node: string;
  cpus: number;
  memoryMb: number;
  gpus: number;
}

export const SINFO_FORMAT = '%N|%c|%m|%G';

/** `sinfo --noheader --Node --format=%N|%c|%m|%G`; a node in several partitions appears once. */
export function parseSinfoNodes(stdout: string): SinfoNode[] {
  const byName = new Map<string, SinfoNode>();
  for (const line of stdout.split('\n')) {
    const f = line.trim().split('|');
    if (f.length < 4 || !f[0]) continue;
    byName.set(f[0], {
      node: f[0],
      cpus: Number(f[1]) || 0,
      memoryMb: Number(f[2]) || 0,
      gpus: gpusOf(f[3] ?? ''),
    });
  }
  return [...byName.values()];
}

/** "gpu:4", "gpu:a100:2(S:0-1),gpu:v100:1", "(null)" → GPU count. */
function gpusOf(gres: string): number {
  let n = 0;
  for (const item of gres.split(/,(?![^(]*\))/)) {
    const m = /^gpu(?::[^:(]+)?:(\d+)/.exec(item.trim());
    if (m) n += Number(m[1]);
  }
  return n;
}
