import type { V1Pod } from '@kubernetes/client-node';
import type { PodRef } from './container-spec-builder';
import { nameProblem } from './names';
import { PodSpecError } from './pod-spec-error';

/**
 * Names end up in paths, container names and labels, so they are checked before anything is
 * built from them: namespace and container names are DNS labels, the UID a lowercase UUID.
 */
export function validatePodNames(pod: V1Pod): PodRef {
  const meta = pod.metadata ?? {};
  const problems = [
    nameProblem('namespace', meta.namespace),
    nameProblem('pod name', meta.name),
    nameProblem('pod UID', meta.uid),
  ];
  const seen = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    problems.push(nameProblem('container name', c.name));
    if (seen.has(c.name)) problems.push(`container name "${c.name}" is used twice`);
    seen.add(c.name);
  }
  for (const v of pod.spec?.volumes ?? []) problems.push(nameProblem('volume name', v.name));
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new PodSpecError(`invalid pod: ${found.join('; ')}`);
  return { namespace: meta.namespace as string, podName: meta.name as string, uid: meta.uid as string };
}
