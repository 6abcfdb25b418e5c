import type { V1Taint } from '@kubernetes/client-node';
import { VIRTUAL_NODE_TAINT_KEY, type PingResponse } from '@interlink/api';
import { RelayError } from '@interlink/relay-client';
import { isNonNegativeInteger, isQuantity } from '@interlink/kube-quantity';
import { normalizeEffect } from './node-template';

/**
 * Applies the resources of a ping answer to the capacity: cpu and memory when they are valid
 * quantities, pods and every accelerator when they are non-negative integers. Returns the new
 * capacity (the input is not modified).
 */
export function applyPingResources(capacity: Record<string, string>, ping: PingResponse): Record<string, string> {
  const out = { ...capacity };
  const r = ping.resources;
  if (!r) return out;
  if (r.cpu !== undefined && isQuantity(r.cpu)) out['cpu'] = String(r.cpu);
  if (r.memory !== undefined && isQuantity(r.memory)) out['memory'] = String(r.memory);
  if (r.pods !== undefined && isNonNegativeInteger(r.pods)) out['pods'] = String(r.pods);
  for (const a of r.accelerators ?? []) {
    if (a.resourceType && isNonNegativeInteger(a.available)) out[a.resourceType] = String(a.available);
  }
  return out;
}

/**
 * Plugin taints from a ping answer: undefined when the answer has no `taints` key (leave them
 * alone), otherwise the new list (`[]` clears). Empty keys and the reserved key are skipped.
 */
export function pingTaints(ping: PingResponse): V1Taint[] | undefined {
  // Go decodes null like a missing key: only a present list (even empty) replaces the taints.
  if (ping.taints === undefined || ping.taints === null) return undefined;
  return ping.taints
    .filter((t) => t.key && t.key !== VIRTUAL_NODE_TAINT_KEY)
    .map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: normalizeEffect(t.effect) }));
}

/** What went wrong with a ping, in words an operator can act on. */
export function describePingFailure(err: unknown): string {
  if (err instanceof RelayError) {
    switch (err.kind) {
      case 'unreachable':
      case 'transport':
        return `relay unreachable: ${err.message}`;
      case 'timeout':
        return `relay did not answer in time: ${err.message}`;
      case 'token':
        return `cannot authenticate to the relay: ${err.message}`;
      case 'http':
        if (err.status === 401 || err.status === 403) return `relay refused authentication (HTTP ${err.status}): ${trim(err.body)}`;
        if (err.status === 503 || (err.status === 500 && err.body?.trim() === '503')) return `plugin unreachable behind the relay (HTTP ${err.status}): ${trim(err.body)}`;
        return `plugin failing behind the relay (HTTP ${err.status}): ${trim(err.body)}`;
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

export function trim(text: string | undefined, max = 512): string {
  const t = (text ?? '').trim();
  if (t === '') return '(empty body)';
  return t.length > max ? `${t.slice(0, max)}...` : t;
}
