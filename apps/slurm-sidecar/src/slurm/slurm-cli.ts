import {
  CommandError,
  ConcurrencyLimit,
  runCommand,
  type CommandResult,
  type RunOptions,
} from './command-runner';
import {
  SACCT_FIELDS,
  SINFO_FORMAT,
  SQUEUE_FORMAT,
  parseSacct,
  parseScontrolJob,
  parseSinfoNodes,
  parseSqueue,
  type SinfoNode,
  type SlurmJobInfo,
} from './slurm-records';

export interface SlurmPaths {
  sbatch: string;
  squeue: string;
  scancel: string;
  sacct: string;
  sinfo: string;
  scontrol: string;
}

/** A Slurm command failed; `message` is the tool's own error text. `transient` = worth retrying. */
export class SlurmError extends Error {
  override readonly name = 'SlurmError';
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

const TRANSIENT =
  /Unable to contact slurm controller|Socket timed out|Connection refused|Connection timed out|Zero Bytes were transmitted|Resource temporarily unavailable|Transport endpoint|standby mode|Communication connection failure|Slurm temporarily unable|Too many pending|no answer within|ENOENT|EAGAIN/i;

const UNKNOWN_JOB =
  /Invalid job id specified|Invalid job id|Job has already finished|already completing or completed|Job\/step already/i;

function failure(tool: string, r: CommandResult): SlurmError {
  const text = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code ?? r.signal}`).replace(/\s+$/, '');
  return new SlurmError(text.startsWith(tool) ? text : `${tool}: ${text}`, TRANSIENT.test(text));
}

/**
 * The Slurm commands the sidecar uses, each spawned with an argument array. Exit codes
 * decide success (stderr warnings such as module banners are not failures).
 */
export class SlurmCli {
  private readonly submitLimit: ConcurrencyLimit;

  constructor(
    readonly paths: SlurmPaths,
    opts: { submitConcurrency?: number; timeoutMs?: number } = {},
  ) {
    this.submitLimit = new ConcurrencyLimit(opts.submitConcurrency ?? 8);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }
  private readonly timeoutMs: number;

  private async exec(tool: keyof SlurmPaths, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    try {
      return await runCommand(this.paths[tool], args, { timeoutMs: this.timeoutMs, ...opts });
    } catch (err) {
      if (err instanceof CommandError) throw new SlurmError(err.message, !/aborted/.test(err.message));
      throw err;
    }
  }

  /** `sbatch --parsable <flags> <script>` → job id. */
  async submit(script: string, flags: readonly string[], cwd: string): Promise<string> {
    const r = await this.submitLimit.run(() =>
      this.exec('sbatch', ['--parsable', ...flags, script], { cwd }),
    );
    if (r.code !== 0) throw failure('sbatch', r);
    const id = /^(\d+)(?:;\S+)?\s*$/m.exec(r.stdout)?.[1];
    if (!id) throw new SlurmError(`sbatch: no job id in its output: ${r.stdout.trim() || '(empty)'}`, false);
    return id;
  }

  /**
   * One `squeue` for the given jobs in every state. Jobs Slurm no longer knows are simply
   * absent from the result (squeue fails only when none of them is known).
   */
  async queue(jobIds: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    if (jobIds.length === 0) return new Map();
    const r = await this.exec('squeue', [
      '--noheader',
      '--states=all',
      `--jobs=${jobIds.join(',')}`,
      `--format=${SQUEUE_FORMAT}`,
    ]);
    if (r.code !== 0) {
      if (UNKNOWN_JOB.test(r.stderr)) return new Map();
      throw failure('squeue', r);
    }
    return parseSqueue(r.stdout);
  }

  /** Jobs (any state) whose job name is one of `names` (we name jobs after the pod UID): name → ids. */
  async queueByName(names: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (names.length === 0) return out;
    const r = await this.exec('squeue', [
      '--noheader',
      '--states=all',
      `--name=${names.join(',')}`,
      '--format=%i|%j',
    ]);
    if (r.code !== 0) throw failure('squeue', r);
    for (const line of r.stdout.split('\n')) {
      const [id, name] = line.trim().split('|');
      if (!id || !name) continue;
      out.set(name, [...(out.get(name) ?? []), id]);
    }
    return out;
  }

  /** sacct for jobs that left the queue; undefined when accounting is not available. */
  async accounting(jobIds: readonly string[]): Promise<Map<string, SlurmJobInfo> | undefined> {
    if (jobIds.length === 0 || this.paths.sacct === '') return jobIds.length === 0 ? new Map() : undefined;
    const r = await this.exec('sacct', [
      '--noheader',
      '--parsable2',
      '--allocations',
      `--jobs=${jobIds.join(',')}`,
      `--format=${SACCT_FIELDS}`,
    ]);
    if (r.code !== 0) {
      const err = failure('sacct', r);
      if (err.transient) throw err;
      return undefined;
    }
    return parseSacct(r.stdout);
  }

  /** `scontrol show job -o <id>`; undefined when Slurm no longer knows the job. */
  async showJob(jobId: string): Promise<SlurmJobInfo | undefined> {
    const r = await this.exec('scontrol', ['show', 'job', '-o', jobId]);
    if (r.code !== 0) {
      if (UNKNOWN_JOB.test(r.stderr + r.stdout)) return undefined;
      throw failure('scontrol', r);
    }
    return parseScontrolJob(r.stdout);
  }

  /**
   * `scancel`: with `signal`, only deliver it (to the batch shell and all its children);
   * without, cancel the job. A job that already ended is not an error.
   */
  async cancel(jobId: string, signal?: string): Promise<void> {
    const args = signal ? [`--signal=${signal}`, '--full', jobId] : [jobId];
    const r = await this.exec('scancel', args);
    if (r.code !== 0 && !UNKNOWN_JOB.test(r.stderr)) throw failure('scancel', r);
  }

  /** Nodes (of one partition, or all) with CPUs, memory and GPUs. */
  async nodes(partition?: string): Promise<SinfoNode[]> {
    const args = [
      '--noheader',
      '--Node',
      `--format=${SINFO_FORMAT}`,
      ...(partition ? [`--partition=${partition}`] : []),
    ];
    const r = await this.exec('sinfo', args);
    if (r.code !== 0) throw failure('sinfo', r);
    return parseSinfoNodes(r.stdout);
  }
}
