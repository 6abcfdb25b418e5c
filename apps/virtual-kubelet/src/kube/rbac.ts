import type { ApiAccess } from './api-access';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Why the node controller needs it. */
  why: string;
}

/**
 * Every Kubernetes API permission the node controller uses, cluster-scoped (pods of any
 * namespace can land on the node). The kustomize ClusterRole is built from this list; an
 * integration test checks that every request the controller makes is covered.
 */
export const NODE_CONTROLLER_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'], why: 'watch pods bound to the node; re-read on conflict; remove after remote deletion' },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['update'], why: 'pod status and the JobID annotation' },
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'create', 'patch'], why: 'register the node; labels, annotations, taints' },
  { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'], why: 'conditions, capacity, addresses' },
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'], why: 'volumes, env and projected sources of offloaded pods' },
  { apiGroups: [''], resources: ['services'], verbs: ['list'], why: 'service-link environment variables' },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], why: 'TokenRequest for projected service-account tokens' },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'], why: 'pod and node events' },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'], why: 'node lease in kube-node-lease' },
  { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get', 'list', 'create', 'delete'], why: 'kubelet-serving certificate (CSR mode only)' },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'], why: 'kubelet API bearer-token authentication' },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'], why: 'kubelet API authorization' },
];

/** Accesses not allowed by the rules (empty when the role is complete). */
export function uncoveredAccess(accesses: Iterable<ApiAccess>, rules: PolicyRule[] = NODE_CONTROLLER_RULES): ApiAccess[] {
  return [...accesses].filter((a) => !rules.some((r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(a.verb)));
}
