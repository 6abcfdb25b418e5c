import { isAbsolute } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodRef } from './container-spec-builder';
import { ContainerConfigError } from './env-resolver';
import { gpuCount, mapResources } from './resource-mapper';
import { mapSecurity } from './security-mapper';
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

/**
 * Everything about a pod that can be judged without Docker: resources Docker can express,
 * absolute mount paths, security options this sidecar supports. Failing here answers /create
 * with 400 instead of leaving a container waiting forever.
 */
export function validatePodSpec(pod: V1Pod): void {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    gpuCount(c);
    mapResources(c, []);
    for (const m of c.volumeMounts ?? []) {
      if (!isAbsolute(m.mountPath))
        throw new PodSpecError(`container "${c.name}": mountPath "${m.mountPath}" must be absolute`);
    }
    try {
      mapSecurity(pod, c, '1000');
    } catch (err) {
      // runAsNonRoot depends on the image's user, known only after the pull.
      if (!(err instanceof ContainerConfigError)) throw err;
    }
  }
}
