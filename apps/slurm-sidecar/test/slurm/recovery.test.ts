import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATE_SCHEMA_VERSION } from '../../src/store/job-store';
import { makeCreate, makePod } from '../fixtures';
import {
  ctx,
  logsOf,
  requireSlurm,
  startSidecar,
  statusOf,
  waitRunning,
  waitTerminated,
  type TestSidecar,
} from './harness';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm();
  sc = await startSidecar();
});
afterAll(async () => sc?.cleanup());

const sh = (name: string, script: string) => ({ name, image: 'none', command: ['/bin/sh', '-c', script] });

describe('restart recovery and robustness (real Slurm)', () => {
  it('a restarted sidecar knows every pod from disk: status, logs, idempotent create, delete', async () => {
    const running = makePod({
      name: 'survivor',
      containers: [sh('main', 'echo before; sleep 3; echo after')],
      spec: { nodeName: 'vk-slurm-test' },
    });
    const done = makePod({ name: 'finished', containers: [sh('main', 'exit 9')] });
    const a = await sc.backend.create(makeCreate(running), ctx());
    await sc.backend.create(makeCreate(done), ctx());
    await waitTerminated(sc.backend, done);
    await waitRunning(sc.backend, running, 'main');

    const restarted = await sc.restart();
    expect(restarted.store.size).toBe(2);
    // /listPods answers from disk too: the node controller finds its orphans after a restart.
    const listed = await restarted.listPods(ctx());
    expect(listed).toEqual(
      expect.arrayContaining([
        {
          name: 'survivor',
          namespace: 'default',
          UID: running.metadata!.uid,
          nodeName: 'vk-slurm-test',
          JID: a.PodJID,
        },
        { name: 'finished', namespace: 'default', UID: done.metadata!.uid, JID: expect.any(String) },
      ]),
    );
    expect(await restarted.create(makeCreate(running), ctx())).toEqual(a);
    expect((await statusOf(restarted, done)).containers[0]?.state?.terminated?.exitCode).toBe(9);
    const s = await waitTerminated(restarted, running);
    expect(s.containers[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await logsOf(restarted, running, 'main')).toBe('before\nafter\n');
    await restarted.delete(running, ctx());
    await restarted.delete(done, ctx());
    expect(existsSync(restarted.store.dirOf('default', running.metadata!.uid!))).toBe(false);
  });

  it('a create interrupted between sbatch and the record is adopted, never submitted twice', async () => {
    const pod = makePod({ name: 'interrupted', containers: [sh('main', 'sleep 2')] });
    const orphan = makePod({ name: 'never-submitted', containers: [sh('main', 'true')] });
    for (const p of [pod, orphan]) {
      const dir = sc.backend.store.dirOf('default', p.metadata!.uid!);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'state.json'),
        JSON.stringify({
          schemaVersion: STATE_SCHEMA_VERSION,
          uid: p.metadata!.uid,
          namespace: 'default',
          name: p.metadata!.name,
          phase: 'submitting',
          initContainers: [],
          containers: ['main'],
          createdAt: new Date().toISOString(),
        }),
      );
    }
    // The previous process got as far as sbatch for one of them.
    const jobId = execFileSync(
      'sbatch',
      ['--parsable', `--job-name=${pod.metadata!.uid}`, '--output=/dev/null', '--wrap=sleep 2'],
      {
        encoding: 'utf8',
      },
    ).trim();
    // Slurm unreachable at start-up: the sidecar still starts, keeps the records, and a
    // create for such a pod refuses (503) rather than risk a second job.
    const down = join(scratchDir('down-'), 'squeue');
    writeFileSync(
      down,
      '#!/bin/sh\necho "squeue: error: Unable to contact slurm controller (connect failure)" >&2\nexit 1\n',
    );
    chmodSync(down, 0o755);
    const offline = await sc.restart({ SqueuePath: down });
    expect(offline.store.get(pod.metadata!.uid!)?.phase).toBe('submitting');
    await expect(offline.create(makeCreate(pod), ctx())).rejects.toMatchObject({ status: 503 });

    const restarted = await sc.restart();
    expect(restarted.store.get(pod.metadata!.uid!)).toMatchObject({ phase: 'submitted', jobId });
    expect(restarted.store.get(orphan.metadata!.uid!)).toBeUndefined();
    expect(existsSync(restarted.store.dirOf('default', orphan.metadata!.uid!))).toBe(false);
    expect((await restarted.create(makeCreate(pod), ctx())).PodJID).toBe(jobId);
    await restarted.delete(pod, ctx());
  });

  it('delete retries while Slurm is briefly unreachable', async () => {
    const dir = scratchDir('flaky-');
    const flaky = join(dir, 'scancel');
    // Fails twice like a controller that is restarting, then works.
    writeFileSync(
      flaky,
      `#!/bin/sh\nn=$(cat '${dir}/n' 2>/dev/null || echo 0); echo $((n+1)) > '${dir}/n'\n` +
        `if [ "$n" -lt 2 ]; then echo "scancel: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi\nexec scancel "$@"\n`,
    );
    chmodSync(flaky, 0o755);
    const b = await sc.restart({ ScancelPath: flaky });
    const pod = makePod({ name: 'flaky-delete', containers: [sh('main', 'sleep 300')] });
    const { PodJID } = await b.create(makeCreate(pod), ctx());
    await waitRunning(b, pod, 'main');
    await b.delete(pod, ctx());
    expect(execFileSync('cat', [join(dir, 'n')], { encoding: 'utf8' }).trim()).toBe('3');
    const state = execFileSync('squeue', ['--noheader', '--states=all', `--jobs=${PodJID}`, '--format=%T'], {
      encoding: 'utf8',
    }).trim();
    expect(state).not.toMatch(/RUNNING|PENDING/);
  });

  it('concurrent create and delete of one pod never leave a job behind', async () => {
    const pod = makePod({ name: 'race', containers: [sh('main', 'sleep 300')] });
    const results = await Promise.allSettled([
      sc.backend.create(makeCreate(pod), ctx()),
      sc.backend.delete(pod, ctx()),
      sc.backend.create(makeCreate(pod), ctx()),
      sc.backend.delete(pod, ctx()),
    ]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const jobs = execFileSync('squeue', ['--noheader', `--name=${pod.metadata!.uid}`, '--format=%i|%T'], {
      encoding: 'utf8',
    }).trim();
    expect(jobs).toBe('');
    expect(sc.backend.store.get(pod.metadata!.uid!)).toBeUndefined();
  });

  it("ping reports the partition's CPUs, memory and GPUs from sinfo", async () => {
    const ping = await sc.backend.ping(ctx());
    const node = execFileSync('scontrol', ['show', 'node', '-o'], { encoding: 'utf8' });
    const cpus = /CPUTot=(\d+)/.exec(node)?.[1];
    const mem = /RealMemory=(\d+)/.exec(node)?.[1];
    expect(ping).toEqual({ status: 'ok', resources: { cpu: cpus, memory: `${mem}Mi`, accelerators: [] } });
    const broken = await sc.restart({
      SinfoPath: '/nonexistent/sinfo',
      Taints: [{ Key: 'site/maintenance', Value: 'yes', Effect: 'NoSchedule' }],
    });
    const degraded = await broken.ping(ctx());
    expect(degraded.status).toMatch(/^degraded: .*sinfo/);
    expect(degraded.resources).toBeUndefined();
    expect(degraded.taints).toEqual([{ key: 'site/maintenance', value: 'yes', effect: 'NoSchedule' }]);
  });
});
