import { existsSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PluginError } from '@interlink/plugin-server';
import { waitFor } from '@interlink/testbench';
import { containerFiles } from '../../src/store/job-files';
import { parseEpoch } from '../../src/status/container-files';
import { makeCreate, makePod } from '../fixtures';
import {
  ctx,
  requireSlurm,
  scontrolJob,
  startSidecar,
  statusOf,
  waitRunning,
  waitTerminated,
  type TestSidecar,
} from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm();
  sc = await startSidecar();
});
afterAll(async () => sc?.cleanup());

const sh = (name: string, script: string) => ({ name, image: 'none', command: ['/bin/sh', '-c', script] });

describe('pods as Slurm jobs (real Slurm, none runtime)', () => {
  it('single container: submitted, runs, completes with its exit code; create is idempotent', async () => {
    const pod = makePod({ name: 'single', containers: [sh('main', 'echo hello; exit 0')] });
    const [a, b] = await Promise.all([
      sc.backend.create(makeCreate(pod), ctx()),
      sc.backend.create(makeCreate(pod), ctx()),
    ]);
    expect(a.PodUID).toBe(pod.metadata!.uid);
    expect(b).toEqual(a);
    expect(await sc.backend.create(makeCreate(pod), ctx())).toEqual(a);
    const named = execFileSync(
      'squeue',
      ['--noheader', '--states=all', `--name=${pod.metadata!.uid}`, '--format=%i'],
      { encoding: 'utf8' },
    ).trim();
    expect(named.split('\n')).toEqual([a.PodJID]);
    const s = await waitTerminated(sc.backend, pod);
    expect(s).toMatchObject({ name: 'single', UID: pod.metadata!.uid, namespace: 'default', JID: a.PodJID });
    expect(s.containers[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('init containers run in order before app containers, which run in parallel; exit codes per container', async () => {
    const pod = makePod({
      name: 'multi',
      initContainers: [sh('init-a', 'sleep 1; echo a'), sh('init-b', 'echo b')],
      containers: [sh('app-ok', 'sleep 2; exit 0'), sh('app-bad', 'sleep 2; exit 3')],
    });
    await sc.backend.create(makeCreate(pod), ctx());
    const s = await waitTerminated(sc.backend, pod);
    const code = (n: string) =>
      [...s.initContainers, ...s.containers].find((c) => c.name === n)?.state?.terminated?.exitCode;
    expect([code('init-a'), code('init-b'), code('app-ok'), code('app-bad')]).toEqual([0, 0, 0, 3]);
    expect(s.containers.find((c) => c.name === 'app-bad')?.state?.terminated?.reason).toBe('Error');
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    const t = (kind: 'init' | 'run', n: string, f: 'started' | 'finished') =>
      parseEpoch(readFileSync(containerFiles(dir, kind, n)[f], 'utf8'))!.getTime();
    expect(t('init', 'init-a', 'finished')).toBeLessThanOrEqual(t('init', 'init-b', 'started'));
    expect(t('init', 'init-b', 'finished')).toBeLessThanOrEqual(t('run', 'app-ok', 'started'));
    // parallel: each app container started before the other one finished
    expect(t('run', 'app-ok', 'started')).toBeLessThan(t('run', 'app-bad', 'finished'));
    expect(t('run', 'app-bad', 'started')).toBeLessThan(t('run', 'app-ok', 'finished'));
    // the files are written before the job ends; Slurm's verdict follows
    await waitFor('job FAILED', () => scontrolJob(s.JID!).get('JobState') === 'FAILED');
  });

  it('a failing init container stops the job with its exit code; later containers never start', async () => {
    const pod = makePod({
      name: 'initfail',
      initContainers: [sh('first', 'exit 5'), sh('second', 'echo never')],
      containers: [sh('app', 'echo never')],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    // Only the failed init container terminates; the rest stay waiting, so wait for the job itself.
    await waitFor('job FAILED', () => scontrolJob(PodJID).get('JobState') === 'FAILED', {
      timeoutMs: 150_000,
    });
    const s = await statusOf(sc.backend, pod);
    expect(s.initContainers[0]?.state?.terminated).toMatchObject({ exitCode: 5, reason: 'Error' });
    expect(s.initContainers[1]?.state?.waiting).toMatchObject({
      reason: 'PodInitializing',
      message: /never started/,
    });
    expect(s.containers[0]?.state?.waiting).toMatchObject({
      reason: 'PodInitializing',
      message: /exit code 5/,
    });
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(existsSync(containerFiles(dir, 'init', 'second').started)).toBe(false);
    expect(existsSync(containerFiles(dir, 'run', 'app').started)).toBe(false);
    expect(scontrolJob(PodJID).get('ExitCode')).toBe('5:0');
  });

  it('resources and annotation flags reach Slurm (scontrol show job)', async () => {
    const pod = makePod({
      name: 'resources',
      annotations: { 'slurm-job.vk.io/flags': '-p debug --comment "from a pod" -t 7' },
      containers: [{ ...sh('main', 'sleep 1'), resources: { limits: { cpu: '1500m', memory: '300Mi' } } }],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    const job = scontrolJob(PodJID);
    expect(job.get('NumCPUs')).toBe('2');
    expect(job.get('MinMemoryNode')).toBe('300M');
    expect(job.get('TimeLimit')).toBe('00:07:00');
    expect(job.get('Partition')).toBe('debug');
    expect(job.get('Comment')).toBe('from a pod');
    expect(job.get('JobName')).toBe(pod.metadata!.uid);
    expect(job.get('WorkDir')).toBe(sc.backend.store.dirOf('default', pod.metadata!.uid!));
    await waitTerminated(sc.backend, pod);
  });

  it("sbatch errors come back as a failed create with sbatch's own message, nothing left behind", async () => {
    const pod = makePod({
      name: 'badpart',
      annotations: { 'slurm-job.vk.io/flags': '--partition=nope' },
      containers: [sh('main', 'true')],
    });
    const err = await sc.backend.create(makeCreate(pod), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect((err as PluginError).status).toBe(400);
    expect((err as PluginError).message).toMatch(/sbatch: error: invalid partition specified: nope/);
    expect(existsSync(sc.backend.store.dirOf('default', pod.metadata!.uid!))).toBe(false);
    expect(sc.backend.store.get(pod.metadata!.uid!)).toBeUndefined();
    await expect(
      sc.backend.create(
        makeCreate(
          makePod({
            containers: [sh('main', 'true')],
            annotations: { 'slurm-job.vk.io/flags': '--time=forever' },
          }),
        ),
        ctx(),
      ),
    ).rejects.toThrow(/sbatch: error: Invalid --time specification/);
    await expect(
      sc.backend.create(
        makeCreate(
          makePod({ containers: [sh('main', 'true')], annotations: { 'slurm-job.vk.io/flags': '--uid=0' } }),
        ),
        ctx(),
      ),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(
        /^annotation slurm-job\.vk\.io\/flags: --uid is refused: the job user comes from securityContext.runAsUser/,
      ),
    });
  });

  it('delete: SIGTERM reaches the container, the job leaves the queue, files go; idempotent', async () => {
    const pod = makePod({
      name: 'longrun',
      spec: { terminationGracePeriodSeconds: 20 },
      containers: [
        sh('main', 'trap "echo got-term; exit 42" TERM; echo started; while :; do sleep 0.2; done'),
      ],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    await waitRunning(sc.backend, pod, 'main');
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    await waitFor(
      'output',
      () =>
        existsSync(containerFiles(dir, 'run', 'main').log) &&
        readFileSync(containerFiles(dir, 'run', 'main').log, 'utf8').includes('started'),
    );
    // watch the status file from outside: it is removed with the directory by delete
    let seenStatus = '';
    const watcher = setInterval(() => {
      try {
        seenStatus = readFileSync(containerFiles(dir, 'run', 'main').status, 'utf8').trim() || seenStatus;
      } catch {
        // not yet, or removed
      }
    }, 20);
    let seenLog = '';
    const logWatcher = setInterval(() => {
      try {
        seenLog = readFileSync(containerFiles(dir, 'run', 'main').log, 'utf8');
      } catch {
        // removed
      }
    }, 20);
    const started = Date.now();
    await sc.backend.delete(pod, ctx());
    clearInterval(watcher);
    clearInterval(logWatcher);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(seenStatus).toBe('42');
    expect(seenLog).toMatch(/got-term/);
    expect(existsSync(dir)).toBe(false);
    const state = execFileSync('squeue', ['--noheader', '--states=all', `--jobs=${PodJID}`, '--format=%T'], {
      encoding: 'utf8',
    }).trim();
    expect(['COMPLETED', 'FAILED', 'CANCELLED', '']).toContain(state);
    await sc.backend.delete(pod, ctx());
    await sc.backend.delete(makePod({ containers: [sh('x', 'true')] }), ctx());
    expect(await sc.backend.status([pod], ctx())).toEqual([]);
  });

  it("a job Slurm cannot run yet is waiting with Slurm's reason", async () => {
    const pod = makePod({
      name: 'toobig',
      containers: [{ ...sh('main', 'true'), resources: { limits: { cpu: '64' } } }],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    const s = await waitFor('a pending reason', async () => {
      const st = await statusOf(sc.backend, pod);
      return st.containers[0]?.state?.waiting?.reason !== 'SlurmPending' ? st : undefined;
    });
    const reason = scontrolJob(PodJID).get('Reason');
    expect(s.containers[0]?.state?.waiting).toEqual({
      reason,
      message: `Slurm job ${PodJID} is pending (reason: ${reason})`,
    });
    await sc.backend.delete(pod, ctx());
  });

  it('cancelling a pending or running job from outside shows as cancelled', async () => {
    const pod = makePod({ name: 'cancelled', containers: [sh('main', 'sleep 300')] });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    await waitRunning(sc.backend, pod, 'main');
    execFileSync('scancel', [PodJID]);
    const s = await waitTerminated(sc.backend, pod);
    expect(s.containers[0]?.state?.terminated?.reason).toBe('SlurmJobCancelled');
    expect(s.containers[0]?.state?.terminated?.exitCode).toBeGreaterThan(128);
  });

  it('a job reaching its time limit (activeDeadlineSeconds) ends as TIMEOUT', async () => {
    const pod = makePod({
      name: 'timeout',
      spec: { activeDeadlineSeconds: 5 },
      containers: [sh('main', 'sleep 600')],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    expect(scontrolJob(PodJID).get('TimeLimit')).toBe('00:01:00');
    const s = await waitTerminated(sc.backend, pod, 240_000);
    expect(s.containers[0]?.state?.terminated).toMatchObject({
      reason: 'SlurmJobTimeout',
      message: expect.stringMatching(/time limit/),
    });
    expect(s.containers[0]?.state?.terminated?.exitCode).toBeGreaterThan(128);
    expect((await statusOf(sc.backend, pod)).containers[0]?.state?.terminated?.reason).toBe(
      'SlurmJobTimeout',
    );
  }, 300_000);
});
