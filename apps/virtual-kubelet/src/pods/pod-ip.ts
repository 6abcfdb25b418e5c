import { isIP } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { POD_IP_ANNOTATION } from './pod-create-assembler';

/** What the `interlink.eu/pod-ip` annotation of a pod holds. */
export interface PodIPAnnotation {
  /** The address, when the annotation holds a plain IPv4 or IPv6 address. */
  ip?: string;
  /** The raw value, when the annotation is set but is not such an address. */
  invalid?: string;
}

/**
 * A plain IP address as the API server accepts it in `status.podIP(s)`: IPv4 or IPv6, no
 * zone (`%eth0`), no surrounding spaces, no CIDR suffix. Anything else would make every status
 * write of the pod fail with 422 and leave the pod Pending for ever (issue 15).
 */
export function isPlainIP(value: string): boolean {
  return isIP(value) !== 0 && !value.includes('%');
}

/** Reads and validates the `interlink.eu/pod-ip` annotation (the place the value enters). */
export function podIPAnnotation(pod: V1Pod): PodIPAnnotation {
  const value = pod.metadata?.annotations?.[POD_IP_ANNOTATION];
  if (!value) return {};
  return isPlainIP(value) ? { ip: value } : { invalid: value };
}

/** The pod's address from its annotation, only when it is a valid IP. */
export function podIPOf(pod: V1Pod): string | undefined {
  return podIPAnnotation(pod).ip;
}

/** The Warning event text for an annotation that is not an IP address. */
export function invalidPodIPMessage(value: string): string {
  return `annotation ${POD_IP_ANNOTATION} is ${JSON.stringify(value)}, which is not an IPv4 or IPv6 address; status.podIP is left unset`;
}
