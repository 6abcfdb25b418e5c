import { PodSpecError } from './annotations';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// In a /u regex a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const POD_UID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
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
  return { namespace, uid, name };
}

/** Text that must reach a process unchanged: no NUL (impossible in argv/env) and valid Unicode. */
export function checkLiteral(value: string, where: string): void {
  if (value.includes('\0'))
    throw new PodSpecError(`${where} contains a NUL byte, which no process can receive`);
  if (LONE_SURROGATE.test(value)) throw new PodSpecError(`${where} is not valid Unicode (lone surrogate)`);
}
