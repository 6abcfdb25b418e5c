// Sums the per-project vitest JSON reports into one closing line.
import { readdirSync, readFileSync, existsSync } from 'node:fs';

const dir = '.vitest-reports';
let passed = 0, failed = 0, skipped = 0;
const failures = [];
// A suite that could not run on this machine (e.g. tests/interop without upstream's sources)
// leaves `<name>-not-run.txt`: the closing line says so.
const notRun = existsSync(dir)
  ? readdirSync(dir).filter((f) => f.endsWith('-not-run.txt')).map((f) => readFileSync(`${dir}/${f}`, 'utf8').trim())
  : [];
if (existsSync(dir)) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    if ((r.numFailedTestSuites ?? 0) > 0 && (r.numFailedTests ?? 0) === 0) {
      failed += r.numFailedTestSuites;
      failures.push(`${file}: ${r.numFailedTestSuites} suite(s) failed to run`);
    }
  }
}
for (const f of failures) console.log(f);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped${notRun.map((n) => `; ${n}`).join('')}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
