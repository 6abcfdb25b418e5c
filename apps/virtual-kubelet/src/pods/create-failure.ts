import type { CreateStruct } from '@interlink/api';
import type { RelayError } from '@interlink/relay-client';
import { backoffMs } from './work-queue';

/** What to do about a create the relay did not accept. */
export interface CreateFailureVerdict {
  /** The pod becomes Failed (no retry). */
  terminal: boolean;
  /** The reason shown on the pod and in the Warning event (the plugin's own words when it gave some). */
  message: string;
  /** Back-off before the next attempt (when not terminal). */
  afterMs: number;
}

/** 4xx answers that mean "not now" rather than "never": retried like an outage. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** The text of an error answer: `{"error": ...}` / `{"message": ...}` bodies (our relay) or plain text (upstream's). */
export function answerText(body: string | undefined): string {
  const text = (body ?? '').trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const { error, message } = parsed as { error?: unknown; message?: unknown };
      if (typeof error === 'string' && error) return error;
      if (typeof message === 'string' && message) return message;
    }
  } catch {
    // plain text answer
  }
  return text;
}

/**
 * The create failure rules:
 * - a 4xx refusal (the plugin or relay judged the pod invalid) fails the pod with that message;
 *   a 409 means the plugin already saw the pod deleted (nothing was started): not retried either;
 * - everything else (relay or plugin down, timeout, connection reset, 5xx, 408/429, an
 *   unreadable answer) is retried with back-off (1 s doubling to 30 s) until the create
 *   succeeds or the pod is deleted: plugins are idempotent by pod UID, so a retry after a
 *   create that did arrive starts nothing twice.
 */
export function classifyCreateFailure(err: RelayError, attempts: number): CreateFailureVerdict {
  const afterMs = backoffMs(attempts, 1_000, 30_000);
  if (err.kind !== 'http') return { terminal: false, message: `error creating pod: ${err.message}`, afterMs };
  const status = err.status ?? 0;
  const message = `error creating pod (HTTP ${status}): ${answerText(err.body)}`;
  const refused = status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
  return { terminal: refused, message, afterMs };
}

/** The optional `Warnings` of a create answer (a newer contract field), read defensively: strings only. */
export function pluginWarnings(created: CreateStruct): string[] {
  const warnings = (created as { Warnings?: unknown }).Warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.filter((w): w is string => typeof w === 'string' && w.trim() !== '').map((w) => w.trim());
}
