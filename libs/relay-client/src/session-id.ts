import { randomInt } from 'node:crypto';
import type { RelayOp } from './relay-error';

/** Upstream node-controller style correlation id: `<Op>#<n>`, n in [0, 99999]. */
export function relaySessionId(op: RelayOp): string {
  return `${op}#${randomInt(0, 100_000)}`;
}
