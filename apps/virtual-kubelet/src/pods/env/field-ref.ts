import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ceilDiv, parseQuantityMilli } from '@interlink/kube-quantity';

export class FieldRefError extends Error {}

/** Go's %q: double-quoted with Go escapes (used for labels/annotations in downward API files). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `key="value"` lines sorted by key, as the kubelet writes labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${goQuote(v)}`)
    .join('\n');
}

export interface PodAddresses {
  podIP?: string;
  hostIP?: string;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** The value of a downward-API fieldRef (env or volume item), with the kubelet's supported paths. */
export function fieldRefValue(pod: V1Pod, fieldPath: string, addr: PodAddresses): string {
  const m = SUBSCRIPT.exec(fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[m[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addr.hostIP ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return addr.podIP ?? '';
    default:
      throw new FieldRefError(`unsupported fieldRef fieldPath "${fieldPath}"`);
  }
}

/**
 * A resourceFieldRef value (`limits.cpu`, `requests.memory`, ...) divided by `divisor` and
 * rounded up. Unset limits fall back to the node's allocatable, as the kubelet does.
 */
export function resourceFieldValue(
  container: V1Container | undefined,
  resource: string,
  divisor: string | undefined,
  nodeAllocatable: Record<string, string>,
): string {
  if (!container) throw new FieldRefError(`resourceFieldRef ${resource}: container not found`);
  const [kind, name] = resource.split(/\.(.*)/s) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new FieldRefError(`unsupported resourceFieldRef resource "${resource}"`);
  const limits = container.resources?.limits as Record<string, string> | undefined;
  const requests = container.resources?.requests as Record<string, string> | undefined;
  let raw: string | undefined;
  if (kind === 'limits') raw = limits?.[name] ?? nodeAllocatable[name];
  else raw = requests?.[name] ?? limits?.[name];
  const value = parseQuantityMilli(raw ?? '0');
  const div = parseQuantityMilli(divisor && divisor !== '' ? divisor : '1');
  if (div <= 0n) throw new FieldRefError(`resourceFieldRef ${resource}: divisor must be positive`);
  // CPU is compared in milli-units, everything else in whole units; both round up.
  if (name === 'cpu') return String(ceilDiv(value, div));
  return String(ceilDiv(ceilDiv(value, 1000n), ceilDiv(div, 1000n) || 1n));
}
