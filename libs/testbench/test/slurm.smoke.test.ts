import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBench, waitFor } from '../src';

const run = promisify(execFile);

async function jobState(id: string): Promise<string | undefined> {
  const { stdout } = await run('scontrol', ['show', 'job', id, '-o']).catch(() => ({ stdout: '' }));
  return /JobState=(\S+)/.exec(stdout)?.[1];
}

describe('bench: Slurm', () => {
  beforeAll(async () => {
    await ensureBench(['slurm']);
  }, 600_000);

  it('runs an sbatch job to COMPLETED and writes its output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurm-smoke-'));
    const out = join(dir, 'out.txt');
    const { stdout } = await run('sbatch', ['--parsable', `--output=${out}`, '--wrap', 'echo smoke-$((6*7))']);
    const id = stdout.trim().split(';')[0]!;
    expect(id).toMatch(/^\d+$/);
    const state = await waitFor(`job ${id} to finish`, async () => {
      const s = await jobState(id);
      return s && !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(s) ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(state).toBe('COMPLETED');
    expect(readFileSync(out, 'utf8')).toBe('smoke-42\n');
  });

  it('answers squeue and sinfo', async () => {
    const { stdout } = await run('sinfo', ['-h', '-o', '%P %a']);
    expect(stdout).toMatch(/up/);
    await expect(run('squeue', ['-h'])).resolves.toBeDefined();
  });
});
