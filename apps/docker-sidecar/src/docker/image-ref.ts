import type { V1Container } from '@kubernetes/client-node';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** `busybox` → `busybox:latest`; references with a tag or digest are kept. */
export function normalizeImage(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`;
}

/** The registry host of a reference (`docker.io` when none is named). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

/** The pull policy the API server would have defaulted: Always for `:latest` or untagged images. */
export function pullPolicyOf(c: V1Container): PullPolicy {
  const policy = c.imagePullPolicy;
  if (policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never') return policy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  return normalizeImage(image).endsWith(':latest') ? 'Always' : 'IfNotPresent';
}
