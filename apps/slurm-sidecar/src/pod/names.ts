import { PodSpecError } from './annotations';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain, what Kubernetes requires of a pod name: dot-separated labels, at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// In a /u regex a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const POD_UID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

export function isPodUid(s: string): boolean {
  return POD_UID.test(s);
}

/** Names become file and directory names, so they are checked before any path is built. */
export function checkPodIdentity(
  namespace: string | undefined,
  uid: string | undefined,
  name: string | undefined,
): { namespace: string; uid: string; name: string } {
  if (!namespace || !isDnsLabel(namespace))
    throw new PodSpecError(`metadata.namespace "${namespace ?? ''}" is not a valid DNS label`);
  if (!uid || !isPodUid(uid)) throw new PodSpecError(`metadata.uid "${uid ?? ''}" is not a UUID`);
  if (!name) throw new PodSpecError('metadata.name is empty');
  if (!isDnsSubdomain(name))
    throw new PodSpecError(
      `metadata.name ${JSON.stringify(name)} is not a valid DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)`,
    );
  return { namespace, uid, name };
}

/**
 * A securityContext user or group id: Kubernetes allows integers 0..2147483647. Anything else
 * (a string, a fraction, a negative number) is refused before it reaches a command line.
 */
export function checkId(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 2_147_483_647)
    throw new PodSpecError(`${where} ${JSON.stringify(value)} must be an integer from 0 to 2147483647`);
  return value;
}

/** Text that must reach a process unchanged: no NUL (impossible in argv/env) and valid Unicode. */
export function checkLiteral(value: string, where: string): void {
  if (value.includes('\0'))
    throw new PodSpecError(`${where} contains a NUL byte, which no process can receive`);
  if (LONE_SURROGATE.test(value)) throw new PodSpecError(`${where} is not valid Unicode (lone surrogate)`);
}
