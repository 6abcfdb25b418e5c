import { run, stack } from '@interlink/testbench';

// Every file brings the stack up (a no-op when it runs); it is stopped once, after the last
// file, and only when this run started it: a stack someone was already using is left running.
export default async function setup(): Promise<() => Promise<void>> {
  const wasRunning = (await run('bash', ['tools/scripts/stack.sh', 'status'])).code === 0;
  return async () => {
    if (!wasRunning) await stack.stackStop();
  };
}
