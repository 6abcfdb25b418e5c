/**
 * Runs every benchmark of the stack in turn against the real test bench, prints a summary table
 * and writes it, with the machine it ran on and each benchmark's raw output, to BENCHMARKS.md.
 *   npm run bench                     full run (about 20 minutes on 2 cores)
 *   npm run bench -- --quick          small counts (under 3 minutes; what CI runs)
 *   ... --out <file>                  write somewhere else than BENCHMARKS.md
 *   ... --only relay,slurm            a subset of the steps
 *   ... --render                      re-read the raw output in the report and rewrite its table
 *                                     and notes (after editing src/steps.ts or NOTES.md)
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBench, repoRoot, runOk } from '@interlink/testbench';
import { extract, type FigureRow } from './figures';
import { FIGURES, steps } from './steps';
import { machineInfo } from './machine';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const outIndex = argv.indexOf('--out');
const out = outIndex >= 0 ? (argv[outIndex + 1] as string) : join(repoRoot, 'BENCHMARKS.md');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',')) : undefined;

function runStep(
  cmd: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0] as string, cmd.slice(1), {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function table(rows: FigureRow[]): string {
  const lines = ['| step | figure | target | measured | met |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.step} | ${r.what} | ${r.target} | ${r.value} | ${r.met} |`);
  return lines.join('\n');
}

function summarySection(outputs: Map<string, string>, failed: string[]): string {
  const rows = extract(only ? FIGURES.filter((f) => only.has(f.step)) : FIGURES, outputs);
  return [
    '## Summary',
    '',
    table(rows),
    '',
    failed.length ? `Steps that failed: ${failed.join(', ')}.` : 'Every step finished.',
    '',
    '## Reading the figures',
    '',
    readFileSync(join(repoRoot, 'bench/NOTES.md'), 'utf8').trim(),
    '',
  ].join('\n');
}

/** --render: the raw output sections of an existing report, summarised again. */
function render(): void {
  const doc = readFileSync(out, 'utf8');
  const outputs = new Map<string, string>();
  for (const m of doc.matchAll(/^### (\S+) \(\d+ s\)\n\n```\n([\s\S]*?)\n```$/gm))
    outputs.set(m[1] ?? '', m[2] ?? '');
  const failed = /^Steps that failed: (.*)\.$/m.exec(doc)?.[1]?.split(', ') ?? [];
  const start = doc.indexOf('## Summary');
  const end = doc.indexOf('## Raw output');
  const section = summarySection(outputs, failed);
  writeFileSync(out, `${doc.slice(0, start)}${section}\n${doc.slice(end)}`);
  console.log(section);
}

async function main(): Promise<void> {
  if (argv.includes('--render')) return render();
  const started = new Date();
  await ensureBench(['docker', 'slurm', 'k8s']);
  const machine = await machineInfo();
  // Every step runs the apps as processes from dist/apps/<name>/main.js.
  console.log('building the apps');
  for (const app of ['interlink', 'docker-sidecar', 'slurm-sidecar', 'virtual-kubelet'])
    await runOk('node', ['tools/build/build.mjs', `apps/${app}`], { timeoutMs: 300_000 });
  const outputs = new Map<string, string>();
  const durations = new Map<string, number>();
  const failed: string[] = [];
  for (const step of steps(quick)) {
    if (only && !only.has(step.name)) continue;
    console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
    const t0 = Date.now();
    const r = await runStep(step.cmd, step.env ?? {});
    durations.set(step.name, (Date.now() - t0) / 1000);
    outputs.set(step.name, r.output);
    if (r.code !== 0) failed.push(`${step.name} (exit ${r.code})`);
  }
  const summary = summarySection(outputs, failed);
  console.log(`\n${summary}`);
  const machineEnd = await machineInfo();
  const doc = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/src/run.ts) on ${started.toISOString()}; ${quick ? 'QUICK mode: small counts, figures are indicative only' : 'full mode'}.`,
    '',
    '## Machine',
    '',
    ...machine.lines.map((l) => `- ${l}`),
    `- load average at the end: ${machineEnd.load}`,
    '',
    summary,
    '## Raw output',
    '',
    ...[...outputs].flatMap(([name, text]) => [
      `### ${name} (${durations.get(name)?.toFixed(0)} s)`,
      '',
      '```',
      text.trim(),
      '```',
      '',
    ]),
  ].join('\n');
  writeFileSync(out, doc);
  console.log(`\nwrote ${out}`);
  if (failed.length) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
