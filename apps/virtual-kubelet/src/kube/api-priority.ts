import type { ApiPriority } from './rate-limiter';

const LEASES = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases(\/|$)/;
const NODE_STATUS = /^\/api\/v1\/nodes\/[^/]+\/status$/;
const POD_STATUS = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/status$/;

/**
 * The budget priority of a request when its caller names none: the node heartbeat (its Lease
 * and Node status) first, then pod status writes, then the rest. Derived from the path so that
 * callers need not know about the limiter.
 */
export function apiPriorityOf(method: string, path: string): ApiPriority {
  const clean = path.split('?')[0] ?? '';
  if (LEASES.test(clean)) return 'heartbeat';
  const write = method !== 'GET';
  if (write && NODE_STATUS.test(clean)) return 'heartbeat';
  if (write && POD_STATUS.test(clean)) return 'status';
  return 'default';
}
