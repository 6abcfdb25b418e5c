import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuiltJob } from '../src/pod/job-plan-builder';
import type { JobPlan } from '../src/script/job-plan';
import { renderSbatchScript, scriptSupportFiles } from '../src/script/sbatch-script';
import { containerFiles, JobFiles } from '../src/store/job-files';

/** Writes the job directory like the sidecar does (without volumes); returns the script path. */
export function prepareJobDir(plan: JobPlan): string {
  rmSync(plan.jobDir, { recursive: true, force: true });
  mkdirSync(JobFiles.envDir(plan.jobDir), { recursive: true, mode: 0o700 });
  for (const f of scriptSupportFiles(plan)) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
  }
  const script = JobFiles.script(plan.jobDir);
  writeFileSync(script, renderSbatchScript(plan));
  chmodSync(script, 0o700);
  return script;
}

/**
 * Writes a job directory like the sidecar does (without volumes) and runs the script with
 * bash, no Slurm. Returns the script's own stdout (what Slurm would put in job.out).
 */
export function runScriptDirectly(
  job: BuiltJob,
  env: NodeJS.ProcessEnv = process.env,
  extraDirs: readonly string[] = [],
): Buffer {
  const { plan } = job;
  const script = prepareJobDir(plan);
  for (const d of extraDirs) mkdirSync(d, { recursive: true });
  return execFileSync(plan.bashPath, [script], {
    cwd: plan.jobDir,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Starts the script with bash in its own process group, so a signal can go to bash alone. */
export function startScript(job: BuiltJob, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const script = prepareJobDir(job.plan);
  return spawn(job.plan.bashPath, [script], { cwd: job.plan.jobDir, env, stdio: 'ignore', detached: true });
}

export function rawOutput(jobDir: string, name: string, kind: 'init' | 'run' = 'run'): Buffer {
  return readFileSync(containerFiles(jobDir, kind, name).out);
}

const CALL = '\u0001call';

/**
 * An executable standing in for singularity/apptainer/enroot/docker/podman/mpiexec: each
 * invocation prints a marker, its working directory and its argv, NUL-separated, to stdout
 * (the container's output file). Nothing else runs.
 */
export function writeArgvStub(dir: string, name = 'argv-stub'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/bash\nprintf '\\001call\\0%s\\0' "$PWD"\nprintf '%s\\0' "$@"\n`, {
    mode: 0o755,
  });
  return path;
}

export interface StubCall {
  cwd: string;
  argv: string[];
}

/** The invocations recorded by writeArgvStub in a container's output. */
export function stubCalls(out: Buffer): StubCall[] {
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  const calls: StubCall[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === CALL) {
      calls.push({ cwd: parts[i + 1] ?? '', argv: [] });
      i += 1;
    } else {
      const last = calls.at(-1);
      if (!last)
        throw new Error(`stub output does not start with a call marker: ${JSON.stringify(parts[i])}`);
      last.argv.push(parts[i] as string);
    }
  }
  return calls;
}
