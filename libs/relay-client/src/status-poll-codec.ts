import type { V1Pod } from '@kubernetes/client-node';
import { PodStatusCodec, type PodStatus } from '@interlink/api';

/**
 * The JSON array of pods a `/status` poll sends. A node polls the same pod objects every tick
 * (they change only when the watch delivers a new copy), so each object's JSON is kept, keyed
 * by the object itself: at 5,000 pods this saves serialising ~15 MB per tick. Callers must
 * treat pods as immutable (replace, never edit in place), which the node controller does.
 */
export class PodArrayEncoder {
  private readonly cache = new WeakMap<V1Pod, string>();

  encode(pods: readonly V1Pod[]): string {
    const parts = new Array<string>(pods.length);
    for (const [i, pod] of pods.entries()) {
      let text = this.cache.get(pod);
      if (text === undefined) {
        text = JSON.stringify(withoutManagedFields(pod));
        this.cache.set(pod, text);
      }
      parts[i] = text;
    }
    return `[${parts.join(',')}]`;
  }
}

export function withoutManagedFields(pod: V1Pod): V1Pod {
  if (!pod.metadata?.managedFields) return pod;
  const { managedFields: _dropped, ...metadata } = pod.metadata;
  return { ...pod, metadata };
}

export type DecodedStatus = { ok: true; value: PodStatus } | { ok: false; problem: string };

/**
 * Decodes `/status` answer elements, reusing the previous result for a pod whose answer did
 * not change (the usual case on a quiet node): validation is skipped and the caller gets the
 * very same object, so "did it change?" becomes an identity check. Bounded: the oldest
 * entries go first once `maxEntries` pods are remembered.
 */
export class PodStatusDecoder {
  private readonly last = new Map<string, { text: string; value: PodStatus }>();

  constructor(private readonly maxEntries = 50_000) {}

  decode(item: unknown): DecodedStatus {
    const uid = typeof item === 'object' && item !== null ? (item as { UID?: unknown }).UID : undefined;
    const text = typeof uid === 'string' ? JSON.stringify(item) : undefined;
    if (typeof uid === 'string') {
      const hit = this.last.get(uid);
      if (hit && hit.text === text) return { ok: true, value: hit.value };
    }
    const decoded = PodStatusCodec.safeDecode(item);
    if (!decoded.ok) return { ok: false, problem: decoded.error.message };
    if (typeof uid === 'string' && text !== undefined) {
      this.last.delete(uid);
      this.last.set(uid, { text, value: decoded.value });
      if (this.last.size > this.maxEntries) {
        const oldest = this.last.keys().next().value;
        if (oldest !== undefined) this.last.delete(oldest);
      }
    }
    return { ok: true, value: decoded.value };
  }
}
