import { afterAll, beforeAll } from 'vitest';
import { stack } from '@interlink/testbench';

/**
 * Brings the local stack up for this file (idempotent: a running stack is kept; the global
 * teardown stops it once after every file) and gives the file a namespace of its own, deleted
 * afterwards. `ready` gets the namespace (and may fill it: ConfigMaps, Secrets...).
 */
export function useStackNamespace(prefix: string, ready: (ns: string) => void | Promise<void>): void {
  let ns = '';
  beforeAll(async () => {
    await stack.stackUp();
    ns = await stack.createNamespace(prefix);
    await ready(ns);
  }, 45 * 60_000);
  afterAll(async () => {
    if (ns) await stack.deleteNamespace(ns);
  }, 300_000);
}
