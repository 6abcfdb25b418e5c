import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PluginError } from '@interlink/plugin-server';
import { makeCreate, makePod } from '../fixtures';
import {
  countingWrapper,
  ctx,
  logsOf,
  requireSlurm,
  scontrolJob,
  startSidecar,
  waitTerminated,
  type TestSidecar,
} from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

const FLAGS = 'slurm-job.vk.io/flags';
const bin = mkdtempSync(join(tmpdir(), 'slurm-flags-bin-'));
const sbatch = countingWrapper(bin, 'sbatch');
let rootAllowed: TestSidecar;
let rootRefused: TestSidecar;

beforeAll(async () => {
  await requireSlurm();
  rootAllowed = await startSidecar({ SbatchPath: sbatch.path });
  rootRefused = await startSidecar({ SbatchPath: sbatch.path, AllowRootWithRuntimeNone: false });
});
afterAll(async () => {
  await rootAllowed?.cleanup();
  await rootRefused?.cleanup();
  rmSync(bin, { recursive: true, force: true });
});

const sh = (script: string) => ({ name: 'main', image: 'none', command: ['/bin/sh', '-c', script] });
const submittedFor = (uid: string) => sbatch.calls().filter((line) => line.includes(uid));

/** A create the sidecar must refuse before anything is written or submitted. */
async function expectRefusedUnsubmitted(sc: TestSidecar, pod: ReturnType<typeof makePod>, message: RegExp) {
  const err = await sc.backend.create(makeCreate(pod), ctx()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PluginError);
  expect(err).toMatchObject({ status: 400, message: expect.stringMatching(message) });
  const uid = pod.metadata!.uid!;
  expect(submittedFor(uid)).toEqual([]);
  expect(await sc.backend.cli.queueByName([uid])).toEqual(new Map());
  expect(sc.backend.store.get(uid)).toBeUndefined();
  expect(existsSync(sc.backend.store.dirOf('default', uid))).toBe(false);
}

describe("slurm-job.vk.io/flags on real Slurm: upstream's example runs, privileged options never reach sbatch", () => {
  it('"--job-name=test-pod-cfg -t 2800": the job gets -t 2800 and the pod UID as name; the drop is a warning', async () => {
    const pod = makePod({
      name: 'test-pod-cfg',
      annotations: { [FLAGS]: '--job-name=test-pod-cfg -t 2800' },
      containers: [sh('echo "$SLURM_JOB_NAME"')],
    });
    const uid = pod.metadata!.uid!;
    const created = await rootAllowed.backend.create(makeCreate(pod), ctx());
    expect(created.Warnings).toEqual([
      `annotation ${FLAGS}: --job-name dropped (the sidecar names the job after the pod UID)`,
    ]);
    const job = scontrolJob(created.PodJID);
    expect(job.get('TimeLimit')).toBe('1-22:40:00'); // 2800 minutes
    expect(job.get('JobName')).toBe(uid);
    const [call] = submittedFor(uid);
    expect(call).toContain('--time=2800');
    expect(call).not.toContain('test-pod-cfg');
    const s = await waitTerminated(rootAllowed.backend, pod);
    expect(s.containers[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await logsOf(rootAllowed.backend, pod, 'main')).toBe(`${uid}\n`);
  });

  it.each([
    ['--priority=1', 'priority'],
    ['--nice=-5', 'nice'],
    ['--uid=0', 'uid'],
    ['--reservation=maint', 'reservation'],
    ['--export=BASH_ENV=/tmp/evil', 'export'],
  ])('%s: 400 naming the annotation and the option, sbatch never called', async (text, name) => {
    const pod = makePod({ annotations: { [FLAGS]: `-t 5 ${text}` }, containers: [sh('true')] });
    await expectRefusedUnsubmitted(
      rootAllowed,
      pod,
      new RegExp(`^annotation ${FLAGS}: --${name} is refused: `),
    );
  });
});

describe('runtime "none" as root on real Slurm (AllowRootWithRuntimeNone: false, the default)', () => {
  it('a pod without runAsUser under a root sidecar: 400 naming the key, nothing submitted', async () => {
    expect(process.getuid?.()).toBe(0); // the premise: the bench runs the sidecar as root
    const pod = makePod({ containers: [sh('id -u')] });
    await expectRefusedUnsubmitted(rootRefused, pod, /would run as root.*AllowRootWithRuntimeNone: true/);
    const explicitRoot = makePod({ spec: { securityContext: { runAsUser: 0 } }, containers: [sh('id -u')] });
    await expectRefusedUnsubmitted(rootRefused, explicitRoot, /runAsUser .*is 0/);
  });

  it('the same pod with a non-root runAsUser runs as that user', async () => {
    const pod = makePod({ spec: { securityContext: { runAsUser: 65534 } }, containers: [sh('id -u')] });
    const { PodJID } = await rootRefused.backend.create(makeCreate(pod), ctx());
    expect(scontrolJob(PodJID).get('UserId')).toBe('nobody(65534)');
    const s = await waitTerminated(rootRefused.backend, pod);
    expect(s.containers[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await logsOf(rootRefused.backend, pod, 'main')).toBe('65534\n');
  });
});
