import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBench, run } from '@interlink/testbench';
import { FIGURES } from '../src/steps';

// The quick benchmark run: every step works against the real bench and every figure of the
// summary is produced. Timings are not judged here (figures live in BENCHMARKS.md).
describe('npm run bench -- --quick', () => {
  it(
    'runs every step and writes a report with every figure',
    async () => {
      await ensureBench(['docker', 'slurm', 'k8s']);
      const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'BENCHMARKS.md');
      const r = await run(
        'npx',
        ['tsx', '--tsconfig', 'tsconfig.base.json', 'bench/src/run.ts', '--quick', '--out', out],
        { timeoutMs: 15 * 60_000 },
      );
      expect(r.code, r.stdout.slice(-3000) + r.stderr.slice(-3000)).toBe(0);
      const doc = readFileSync(out, 'utf8');
      expect(doc).toMatch(/^# Benchmarks/);
      expect(doc).toContain('## Machine');
      expect(doc).not.toContain('(not measured)');
      for (const f of FIGURES) expect(doc, f.what).toContain(`| ${f.step} | ${f.what} |`);
      expect(doc).toMatch(/CPU: \d+ ×/);
      expect(doc).toMatch(/Kubernetes API server: v1\.32/);
      expect(doc).toMatch(/load average at the start: [\d.]+ [\d.]+ [\d.]+/);
      expect(doc).toContain('| step | figure | target | measured | met |');
      expect(doc).toContain('## Reading the figures');
      expect(doc).toContain('Every step finished.');
      // The printed table is the written one.
      expect(r.stdout).toContain('| step | figure | target | measured | met |');
    },
    16 * 60_000,
  );
});
