import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildJob } from '../../src/pod/job-plan-builder';
import { containerFiles } from '../../src/store/job-files';
import { makeCreate, makePod, testSettings } from '../fixtures';
import { startScript } from '../script-run';

const root = mkdtempSync(join(tmpdir(), 'sigterm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A docker stand-in: `run` records "ready" and waits; on SIGTERM it records the signal and
 * exits 143. Anything else (`rm -f`) succeeds at once. Files go to $IL_TEST_STUB_DIR/<name>.*
 */
const docker = join(root, 'docker-stub');
writeFileSync(
  docker,
  `#!/bin/bash
[[ $1 == run ]] || exit 0
name= prev=
for a in "$@"; do [[ $prev == --name ]] && name=$a; prev=$a; done
d=$IL_TEST_STUB_DIR
trap 'printf "TERM\\n" >> "$d/$name.signal"; kill "$sp" 2>/dev/null; exit 143' TERM
sleep 30 & sp=$!
printf 'ready\\n' > "$d/$name.ready"
wait "$sp"
exit 0
`,
  { mode: 0o755 },
);

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function signalOnlyBash(logTimestamps: boolean, init: boolean) {
  const stubDir = mkdtempSync(join(root, 'state-'));
  const settings = testSettings({ DataRootFolder: root, DockerPath: docker, LogTimestamps: logTimestamps });
  const c = (name: string) => ({ name, image: 'busybox', command: ['serve'] });
  const pod = makePod({
    annotations: { 'slurm-job.vk.io/container-runtime': 'docker' },
    ...(init ? { initContainers: [c('setup')] } : {}),
    containers: [c('a'), c('b')],
  });
  const built = buildJob(makeCreate(pod), settings, 0);
  const uid = built.plan.uid;
  const stubFile = (kind: string, name: string, ext: string) =>
    join(stubDir, `il-${uid}-${kind}-${name}.${ext}`);
  const running = init
    ? [['init', 'setup']]
    : [
        ['run', 'a'],
        ['run', 'b'],
      ];
  const child = startScript(built, { ...process.env, IL_TEST_STUB_DIR: stubDir });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await until('containers to start', () =>
      running.every(([k, n]) => existsSync(stubFile(k!, n!, 'ready'))),
    );
    // only the bash process: the containers are in its process group but must hear it from the script
    process.kill(child.pid!, 'SIGTERM');
    const result = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('script did not exit')), 15_000)),
    ]);
    return { result, built, running, stubFile };
  } finally {
    // leave nothing behind if the script did not forward the signal
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* group already gone */
    }
  }
}

describe('SIGTERM to the job script alone (bash, docker stub)', () => {
  for (const logTimestamps of [true, false]) {
    it(`is forwarded to every running app container; their status files record 143 (timestamps ${logTimestamps})`, async () => {
      const { result, built, running, stubFile } = await signalOnlyBash(logTimestamps, false);
      expect(result).toEqual({ code: 143, signal: null });
      for (const [kind, name] of running) {
        expect(readFileSync(stubFile(kind!, name!, 'signal'), 'utf8'), `${name} got SIGTERM`).toBe('TERM\n');
        const files = containerFiles(built.plan.jobDir, 'run', name!);
        expect(readFileSync(files.status, 'utf8')).toBe('143\n');
        expect(existsSync(files.finished)).toBe(true);
        expect(existsSync(files.pid)).toBe(false);
      }
    }, 30_000);
  }

  it('during an init container: the init container gets it, the app containers never start', async () => {
    const { result, built, stubFile } = await signalOnlyBash(true, true);
    expect(result).toEqual({ code: 143, signal: null });
    expect(readFileSync(stubFile('init', 'setup', 'signal'), 'utf8')).toBe('TERM\n');
    expect(readFileSync(containerFiles(built.plan.jobDir, 'init', 'setup').status, 'utf8')).toBe('143\n');
    for (const name of ['a', 'b'])
      expect(existsSync(containerFiles(built.plan.jobDir, 'run', name).started)).toBe(false);
  }, 30_000);
});
