import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@interlink/testbench';
import { makeCreate, makePod } from '../fixtures';
import {
  countingWrapper,
  ctx,
  requireSlurm,
  startSidecar,
  statusOf,
  waitTerminated,
  type TestSidecar,
} from './harness';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
const bin = scratchDir('fake-slurm-');
/** An squeue that no longer lists anything, as after MinJobAge: the job "left the queue". */
const emptySqueue = join(bin, 'squeue-empty');

beforeAll(async () => {
  await requireSlurm();
  writeFileSync(emptySqueue, '#!/bin/sh\nexit 0\n');
  chmodSync(emptySqueue, 0o755);
  sc = await startSidecar();
});
afterAll(async () => sc?.cleanup());

const sh = (name: string, script: string) => ({ name, image: 'none', command: ['/bin/sh', '-c', script] });

describe('jobs that left the queue (real sacct / scontrol / files)', () => {
  const finished = makePod({ name: 'gone-ok', containers: [sh('a', 'exit 0'), sh('b', 'exit 6')] });
  const cancelled = makePod({ name: 'gone-cancelled', containers: [sh('a', 'sleep 300')] });
  let cancelledJob = '';

  beforeAll(async () => {
    await sc.backend.create(makeCreate(finished), ctx());
    cancelledJob = (await sc.backend.create(makeCreate(cancelled), ctx())).PodJID;
    await waitTerminated(sc.backend, finished);
    execFileSync('scancel', [cancelledJob]);
    await waitTerminated(sc.backend, cancelled);
    // slurmdbd records job ends asynchronously: wait until sacct has both
    const ids = [sc.backend.store.get(finished.metadata!.uid!)!.jobId!, cancelledJob];
    await waitFor(
      'sacct to record both jobs',
      () =>
        execFileSync('sacct', ['-n', '-P', '-X', `--jobs=${ids.join(',')}`, '--format=State'], {
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .every((l) => /^(COMPLETED|FAILED|CANCELLED)/.test(l)),
      { timeoutMs: 60_000 },
    );
    for (const p of [finished, cancelled]) {
      const rec = sc.backend.store.get(p.metadata!.uid!)!;
      const { final: _final, ...rest } = rec;
      await sc.backend.store.put(rest);
    }
  }, 120_000);

  it('sacct gives the final state of jobs squeue no longer shows (one sacct call for all)', async () => {
    const sacct = countingWrapper(bin, 'sacct');
    const b = await sc.restart({ SqueuePath: emptySqueue, SacctPath: sacct.path });
    const [ok, gone] = await b.status([finished, cancelled], ctx());
    expect(sacct.count()).toBe(1);
    expect(ok!.containers.map((c) => c.state?.terminated?.exitCode)).toEqual([0, 6]);
    expect(gone!.containers[0]?.state?.terminated?.reason).toBe('SlurmJobCancelled');
    expect(b.store.get(cancelled.metadata!.uid!)?.final).toMatchObject({
      state: 'CANCELLED',
      source: 'sacct',
    });
    // persisted: a later poll asks nobody
    await b.status([finished, cancelled], ctx());
    expect(sacct.count()).toBe(1);
    for (const p of [finished, cancelled]) {
      const { final: _final, ...rest } = b.store.get(p.metadata!.uid!)!;
      await b.store.put(rest);
    }
  });

  it('without accounting: scontrol show job, while slurmctld still knows the job', async () => {
    const b = await sc.restart({ SqueuePath: emptySqueue, SacctPath: '' });
    const s = await statusOf(b, cancelled);
    expect(s.containers[0]?.state?.terminated?.reason).toBe('SlurmJobCancelled');
    expect(b.store.get(cancelled.metadata!.uid!)?.final).toMatchObject({
      state: 'CANCELLED',
      source: 'scontrol',
    });
    const { final: _final, ...rest } = b.store.get(cancelled.metadata!.uid!)!;
    await b.store.put(rest);
  });

  it('with no record anywhere, the exit-code files decide; missing ones say the job was lost', async () => {
    const nothing = join(bin, 'nothing');
    writeFileSync(nothing, '#!/bin/sh\necho "slurm_load_jobs error: Invalid job id specified" >&2\nexit 1\n');
    chmodSync(nothing, 0o755);
    const b = await sc.restart({ SqueuePath: emptySqueue, SacctPath: '', ScontrolPath: nothing });
    const [ok, gone] = await b.status([finished, cancelled], ctx());
    expect(ok!.containers.map((c) => [c.state?.terminated?.exitCode, c.state?.terminated?.reason])).toEqual([
      [0, 'Completed'],
      [6, 'Error'],
    ]);
    // the cancelled container recorded its own SIGTERM exit before the job ended
    expect(gone!.containers[0]?.state?.terminated?.exitCode).toBe(143);
  });
});
