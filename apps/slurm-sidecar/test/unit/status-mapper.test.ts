import { describe, expect, it } from 'vitest';
import type { ContainerRun } from '../../src/status/container-files';
import { mapPodStatus, type JobView, type PodIdentity } from '../../src/status/slurm-status-mapper';

const pod: PodIdentity = {
  name: 'p',
  namespace: 'ns',
  uid: 'u',
  jobId: '42',
  initContainers: [{ name: 'i1' }, { name: 'i2' }],
  containers: [{ name: 'a', image: 'img' }, { name: 'b' }],
};
const t = (s: number) => new Date(Date.UTC(2026, 2, 2, 10, 0, s));
const slurm = (state: string, extra: object = {}): JobView => ({
  kind: 'slurm',
  info: { jobId: '42', state, reason: 'None', source: 'squeue', ...extra },
});
const runs = (entries: Record<string, ContainerRun>) => new Map(Object.entries(entries));
const states = (s: ReturnType<typeof mapPodStatus>) => ({
  init: s.initContainers.map((c) => c.state),
  app: s.containers.map((c) => c.state),
});

describe('SlurmStatusMapper', () => {
  it('PENDING: every container waiting with the Slurm reason', () => {
    const s = mapPodStatus(pod, slurm('PENDING', { reason: 'Resources' }), runs({}));
    expect(s).toMatchObject({ name: 'p', UID: 'u', namespace: 'ns', JID: '42' });
    for (const c of [...s.initContainers, ...s.containers]) {
      expect(c.state).toEqual({
        waiting: { reason: 'Resources', message: 'Slurm job 42 is pending (reason: Resources)' },
      });
      expect(c.ready).toBe(false);
    }
  });

  it('RUNNING: per container from the files (init done, init running, app waiting)', () => {
    const s = mapPodStatus(
      pod,
      slurm('RUNNING'),
      runs({ 'init:i1': { startedAt: t(1), finishedAt: t(2), exitCode: 0 }, 'init:i2': { startedAt: t(3) } }),
    );
    expect(states(s)).toEqual({
      init: [
        {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: '2026-03-02T10:00:01Z',
            finishedAt: '2026-03-02T10:00:02Z',
          },
        },
        { running: { startedAt: '2026-03-02T10:00:03Z' } },
      ],
      app: [{ waiting: { reason: 'PodInitializing' } }, { waiting: { reason: 'PodInitializing' } }],
    });
    const later = mapPodStatus(
      pod,
      slurm('RUNNING'),
      runs({
        'init:i1': { exitCode: 0 },
        'init:i2': { exitCode: 0 },
        'run:a': { startedAt: t(5) },
        'run:b': { startedAt: t(5), finishedAt: t(6), exitCode: 3 },
      }),
    );
    expect(later.containers[0]).toMatchObject({
      ready: true,
      started: true,
      image: 'img',
      state: { running: { startedAt: '2026-03-02T10:00:05Z' } },
    });
    expect(later.containers[1]?.state).toEqual({
      terminated: {
        exitCode: 3,
        reason: 'Error',
        startedAt: '2026-03-02T10:00:05Z',
        finishedAt: '2026-03-02T10:00:06Z',
      },
    });
  });

  it('a failed init container: real exit code; the containers after it stay PodInitializing, saying why', () => {
    const s = mapPodStatus(
      pod,
      slurm('FAILED', { exitCode: 7, endTime: t(9) }),
      runs({ 'init:i1': { startedAt: t(1), finishedAt: t(2), exitCode: 7 } }),
    );
    expect(s.initContainers[0]?.state?.terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
    const why = 'init container "i1" failed with exit code 7; container never started';
    expect(s.initContainers[1]?.state).toEqual({ waiting: { reason: 'PodInitializing', message: why } });
    expect(s.containers[0]?.state).toEqual({ waiting: { reason: 'PodInitializing', message: why } });
  });

  it.each([
    ['TIMEOUT', 'SlurmJobTimeout', /time limit/, 143],
    ['OUT_OF_MEMORY', 'OOMKilled', /memory/, 137],
    ['CANCELLED', 'SlurmJobCancelled', /cancelled/, 143],
    ['NODE_FAIL', 'SlurmNodeFail', /node failed/, 1],
    ['PREEMPTED', 'SlurmJobPreempted', /preempted/, 143],
  ])('%s: terminated with a reason that says so', (state, reason, message, defaultExit) => {
    const done = { 'init:i1': { exitCode: 0 }, 'init:i2': { exitCode: 0 } };
    const s = mapPodStatus(
      pod,
      slurm(state, { endTime: t(30) }),
      runs({
        ...done,
        'run:a': { startedAt: t(5), finishedAt: t(20), exitCode: 0 },
        'run:b': { startedAt: t(5), finishedAt: t(29), exitCode: 143 },
      }),
    );
    expect(s.containers[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.containers[1]?.state?.terminated).toMatchObject({
      exitCode: 143,
      reason,
      message: expect.stringMatching(message),
    });
    // a container killed before it could record anything
    const killed = mapPodStatus(
      pod,
      slurm(state, { endTime: t(30) }),
      runs({ ...done, 'run:a': { startedAt: t(5) } }),
    );
    expect(killed.containers[0]?.state?.terminated).toMatchObject({
      exitCode: defaultExit,
      reason,
      startedAt: '2026-03-02T10:00:05Z',
      finishedAt: '2026-03-02T10:00:30Z',
    });
    // a signal reported by Slurm wins over the default
    const signalled = mapPodStatus(
      pod,
      slurm(state, { exitSignal: 9 }),
      runs({ ...done, 'run:a': { startedAt: t(5) } }),
    );
    expect(signalled.containers[0]?.state?.terminated?.exitCode).toBe(137);
  });

  it('COMPLETED: exit codes from the files', () => {
    const s = mapPodStatus(
      pod,
      slurm('COMPLETED'),
      runs({
        'init:i1': { exitCode: 0 },
        'init:i2': { exitCode: 0 },
        'run:a': { exitCode: 0, startedAt: t(1), finishedAt: t(2) },
        'run:b': { exitCode: 0 },
      }),
    );
    expect(s.containers.map((c) => c.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
  });

  it('a job that left Slurm without a record: files decide, missing files say the job was lost', () => {
    const s = mapPodStatus(
      pod,
      { kind: 'gone' },
      runs({ 'init:i1': { exitCode: 0 }, 'init:i2': { exitCode: 0 }, 'run:a': { exitCode: 2 } }),
    );
    expect(s.containers[0]?.state?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(s.containers[1]?.state?.terminated).toMatchObject({ exitCode: 1, reason: 'SlurmJobLost' });
  });

  it('submitting: waiting', () => {
    expect(mapPodStatus(pod, { kind: 'submitting' }, runs({})).containers[0]?.state?.waiting?.reason).toBe(
      'Submitting',
    );
  });
});
