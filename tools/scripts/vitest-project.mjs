// Runs vitest for one Nx project and keeps a JSON report per project so that
// tools/scripts/test-summary.mjs can print one closing "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const projectRoot = process.argv[2];
const extra = process.argv.slice(3);
mkdirSync('.vitest-reports', { recursive: true });
const report = `.vitest-reports/${projectRoot.replaceAll('/', '__')}.json`;
const result = spawnSync(
  'npx',
  [
    'vitest', 'run', '--config', 'vitest.config.ts', '--dir', projectRoot, '--passWithNoTests=false',
    '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
