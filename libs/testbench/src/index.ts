export {
  benchEnv,
  benchScript,
  ensureBench,
  workspaceRoot,
  type BenchComponent,
  type BenchEnv,
} from './bench';
export { waitFor } from './wait';
export { eventually, repoRoot, run, runOk, sleep, type RunOptions, type RunResult } from './run';
export * as stack from './stack';
