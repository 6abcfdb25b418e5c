// Runs vitest for one Nx project and keeps a JSON report per project so that
// tools/scripts/test-summary.mjs can print one closing "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const projectRoot = process.argv[2];
const extra = process.argv.slice(3);
mkdirSync('.vitest-reports', { recursive: true });
// A project may extend the root config (e.g. a global setup) with a vitest.config.ts of its own.
const config = existsSync(`${projectRoot}/vitest.config.ts`)
  ? `${projectRoot}/vitest.config.ts`
  : 'vitest.config.ts';
const report = `.vitest-reports/${projectRoot.replaceAll('/', '__')}.json`;
const result = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--config',
    config,
    '--dir',
    projectRoot,
    '--passWithNoTests=false',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...extra,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
