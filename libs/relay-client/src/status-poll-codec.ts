import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { ContractError, PodStatusCodec, type PodStatus } from '@interlink/api';

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The JSON array of pods a `/status` poll sends, as pieces of bytes. A node polls the same pod
 * objects every tick (they change only when the watch delivers a new copy), so each object's
 * UTF-8 JSON is kept, keyed by the object itself, and a request body is the list of those
 * pieces, joined with one Buffer.concat by the HTTP client: at 5,000 pods this saves
 * serialising and encoding ~15 MB per tick (one memory copy remains; see
 * bench/status-body-bench.ts for what streaming the pieces instead would save). Callers must treat pods as immutable (replace, never edit in
 * place), which the node controller does.
 */
export class PodArrayEncoder {
  private readonly cache = new WeakMap<V1Pod, Buffer>();

  encode(pods: readonly V1Pod[]): Buffer[] {
    const parts: Buffer[] = [OPEN];
    for (const pod of pods) {
      let bytes = this.cache.get(pod);
      if (bytes === undefined) {
        bytes = Buffer.from(JSON.stringify(withoutManagedFields(pod)));
        this.cache.set(pod, bytes);
      }
      if (parts.length > 1) parts.push(COMMA);
      parts.push(bytes);
    }
    parts.push(CLOSE);
    return parts;
  }
}

export function withoutManagedFields(pod: V1Pod): V1Pod {
  if (!pod.metadata?.managedFields) return pod;
  const { managedFields: _dropped, ...metadata } = pod.metadata;
  return { ...pod, metadata };
}

export type DecodedStatus = { ok: true; value: PodStatus } | { ok: false; problem: string };

/**
 * Decodes `/status` answers. A quiet node gets byte-identical answers tick after tick, so the
 * last answer to each request is remembered (as bytes, outside the JS heap) and reused without
 * parsing; within a changed answer, the element of a pod whose status did not change reuses its
 * previous decoded object. Either way an unchanged status comes back as the very same object,
 * so "did it change?" becomes an identity check. Both memories are bounded (oldest first).
 */
export class PodStatusDecoder {
  private readonly last = new Map<string, { text: string; value: PodStatus }>();
  private readonly answers = new Map<string, { bytes: Buffer; statuses: PodStatus[] }>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxAnswers = 64,
  ) {}

  /**
   * A whole answer (a JSON array, or null) to the request identified by `key`. Malformed
   * elements are reported to `onProblem` and left out, so that one bad entry does not hide
   * every other pod's status.
   */
  decodeAnswer(key: string, bytes: Buffer, onProblem: (index: number, problem: string) => void): PodStatus[] {
    const seen = this.answers.get(key);
    if (seen && seen.bytes.equals(bytes)) {
      this.answers.delete(key);
      this.answers.set(key, seen);
      return seen.statuses;
    }
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ContractError('PodStatus list', [
        `(body): not valid JSON: ${text.length === 0 ? 'empty body' : (err as Error).message}`,
      ]);
    }
    if (parsed === null) return [];
    if (!Array.isArray(parsed))
      throw new ContractError('PodStatus list', ['(body): must be an array or null']);
    const out: PodStatus[] = [];
    let clean = true;
    for (const [i, item] of parsed.entries()) {
      const decoded = this.decode(item);
      if (decoded.ok) out.push(decoded.value);
      else {
        clean = false;
        onProblem(i, decoded.problem);
      }
    }
    this.answers.delete(key);
    // Answers with malformed entries are decoded (and reported) every time.
    if (clean) {
      this.answers.set(key, { bytes, statuses: out });
      if (this.answers.size > this.maxAnswers) this.evictOldest(this.answers);
    }
    return out;
  }

  decode(item: unknown): DecodedStatus {
    const uid = typeof item === 'object' && item !== null ? (item as { UID?: unknown }).UID : undefined;
    // A digest, not the text: this memory holds one entry per pod of the node.
    const text = typeof uid === 'string' ? digest(JSON.stringify(item)) : undefined;
    if (typeof uid === 'string') {
      const hit = this.last.get(uid);
      if (hit && hit.text === text) return { ok: true, value: hit.value };
    }
    const decoded = PodStatusCodec.safeDecode(item);
    if (!decoded.ok) return { ok: false, problem: decoded.error.message };
    if (typeof uid === 'string' && text !== undefined) {
      this.last.delete(uid);
      this.last.set(uid, { text, value: decoded.value });
      if (this.last.size > this.maxEntries) this.evictOldest(this.last);
    }
    return { ok: true, value: decoded.value };
  }

  private evictOldest(map: Map<string, unknown>): void {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}
