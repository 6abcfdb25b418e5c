import { describe, expect, it } from 'vitest';
import { parseSacct, parseScontrolJob, parseSinfoNodes, parseSqueue } from '../../src/slurm/slurm-records';

describe('Slurm output parsers', () => {
  it('squeue: id, long state, reason, times (local time, N/A ignored)', () => {
    const jobs = parseSqueue(
      '12|PENDING|Priority|N/A|N/A\n13|RUNNING|None|2026-03-02T10:16:02|2026-03-02T11:16:02\ngarbage\n',
    );
    expect(jobs.get('12')).toEqual({ jobId: '12', state: 'PENDING', reason: 'Priority', source: 'squeue' });
    expect(jobs.get('13')?.state).toBe('RUNNING');
    expect(jobs.get('13')?.startTime?.getTime()).toBe(new Date(2026, 2, 2, 10, 16, 2).getTime());
    expect(jobs.size).toBe(2);
  });

  it('sacct: "CANCELLED by 0", exit code and signal', () => {
    const jobs = parseSacct(
      '7|CANCELLED by 0|0:15|2026-03-02T10:00:00|2026-03-02T10:05:00|None\n8|OUT_OF_MEMORY|0:125|Unknown|Unknown|OutOfMemory\n',
    );
    expect(jobs.get('7')).toMatchObject({ state: 'CANCELLED', exitCode: 0, exitSignal: 15, source: 'sacct' });
    expect(jobs.get('8')).toMatchObject({ state: 'OUT_OF_MEMORY', reason: 'OutOfMemory', exitSignal: 125 });
    expect(jobs.get('8')?.startTime).toBeUndefined();
  });

  it('scontrol show job -o: key=value pairs, values with spaces', () => {
    const info = parseScontrolJob(
      'JobId=2 JobName=wrap UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 StartTime=2026-11-22T05:07:12 EndTime=2026-11-22T05:07:12 Command=/a b/c WorkDir=/tmp\n',
    );
    expect(info).toMatchObject({
      jobId: '2',
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      exitCode: 3,
      exitSignal: 0,
      source: 'scontrol',
    });
    expect(parseScontrolJob('slurm_load_jobs error: Invalid job id specified')).toBeUndefined();
  });

  it('sinfo: nodes once each, GPUs from GRES strings', () => {
    const nodes = parseSinfoNodes(
      'n1|64|256000|gpu:a100:4(S:0-1)\nn1|64|256000|gpu:a100:4(S:0-1)\nn2|32|128000|(null)\nn3|8|1000|gpu:2,gpu:v100:1\n',
    );
    expect(nodes).toEqual([
      { node: 'n1', cpus: 64, memoryMb: 256000, gpus: 4 },
      { node: 'n2', cpus: 32, memoryMb: 128000, gpus: 0 },
      { node: 'n3', cpus: 8, memoryMb: 1000, gpus: 3 },
    ]);
  });
});
