export { benchEnv, benchScript, ensureBench, workspaceRoot, type BenchComponent, type BenchEnv } from './bench';
export { waitFor } from './wait';
