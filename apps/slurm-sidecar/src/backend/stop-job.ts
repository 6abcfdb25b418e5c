import type { SlurmCli } from '../slurm/slurm-cli';
import { isTerminalState } from '../slurm/slurm-records';
import { retryTransient } from './retry';

export interface StopOptions {
  /** time the containers get between SIGTERM and the hard cancel */
  graceSeconds: number;
  /** how long to wait for Slurm to finish killing after the hard cancel */
  killWaitSeconds?: number;
  pollMs?: number;
}

/** Is the job still holding (or about to hold) resources? */
async function activeState(cli: SlurmCli, jobId: string): Promise<string | undefined> {
  const info = (await retryTransient(() => cli.queue([jobId]))).get(jobId);
  return info && !isTerminalState(info.state) ? info.state : undefined;
}

async function waitInactive(cli: SlurmCli, jobId: string, seconds: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if ((await activeState(cli, jobId)) === undefined) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Graceful stop: SIGTERM to the batch script and all its processes (the script forwards it
 * to the containers), wait up to the grace period, then cancel for real and wait until the
 * job has left RUNNING/COMPLETING. Returns false when Slurm never confirmed the end.
 */
export async function stopJob(cli: SlurmCli, jobId: string, opts: StopOptions): Promise<boolean> {
  const pollMs = opts.pollMs ?? 500;
  const state = await activeState(cli, jobId);
  if (state === undefined) return true;
  if (state === 'RUNNING' && opts.graceSeconds > 0) {
    await retryTransient(() => cli.cancel(jobId, 'TERM'));
    if (await waitInactive(cli, jobId, opts.graceSeconds, pollMs)) return true;
  }
  await retryTransient(() => cli.cancel(jobId));
  return waitInactive(cli, jobId, opts.killWaitSeconds ?? 30, pollMs);
}
