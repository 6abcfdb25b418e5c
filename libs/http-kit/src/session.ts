import { randomUUID } from 'node:crypto';

/** Correlation header carried on every hop. */
export const SESSION_HEADER = 'InterLink-Http-Session';

/** `Request-<uuid v4>`, the id the relay uses when the caller sent none. */
export function newSessionId(): string {
  return `Request-${randomUUID()}`;
}
