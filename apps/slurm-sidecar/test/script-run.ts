import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BuiltJob } from '../src/pod/job-plan-builder';
import { renderSbatchScript, scriptSupportFiles } from '../src/script/sbatch-script';
import { containerFiles, JobFiles } from '../src/store/job-files';

/** Writes a job directory like the sidecar does (without volumes) and runs the script with bash, no Slurm. */
export function runScriptDirectly(job: BuiltJob): void {
  const { plan } = job;
  rmSync(plan.jobDir, { recursive: true, force: true });
  mkdirSync(JobFiles.envDir(plan.jobDir), { recursive: true, mode: 0o700 });
  for (const f of scriptSupportFiles(plan)) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
  }
  const script = JobFiles.script(plan.jobDir);
  writeFileSync(script, renderSbatchScript(plan));
  chmodSync(script, 0o700);
  execFileSync(plan.bashPath, [script], { cwd: plan.jobDir, stdio: 'ignore' });
}

export function rawOutput(jobDir: string, name: string): Buffer {
  return readFileSync(containerFiles(jobDir, 'run', name).out);
}
