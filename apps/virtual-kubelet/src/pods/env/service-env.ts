import { isIP } from 'node:net';
import type { V1Service } from '@kubernetes/client-node';

function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function envName(serviceName: string): string {
  return serviceName.toUpperCase().replaceAll('-', '_');
}

/** Services with a cluster IP, as the kubelet selects them for service links. */
export function hasClusterIP(svc: V1Service): boolean {
  const ip = svc.spec?.clusterIP;
  return Boolean(ip) && ip !== 'None';
}

/**
 * Docker-link style variables of one service, in the kubelet's order:
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORT>`, then
 * `<NAME>_PORT`, `<NAME>_PORT_<n>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 */
export function serviceEnvVars(svc: V1Service): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const name = envName(svc.metadata?.name ?? '');
  const ip = svc.spec?.clusterIP ?? '';
  const ports = svc.spec?.ports ?? [];
  out.push([`${name}_SERVICE_HOST`, ip]);
  if (ports[0]) out.push([`${name}_SERVICE_PORT`, String(ports[0].port)]);
  for (const p of ports) {
    if (p.name) out.push([`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  }
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${joinHostPort(ip, p.port)}`;
    if (i === 0) out.push([`${name}_PORT`, url]);
    const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([prefix, url], [`${prefix}_PROTO`, proto], [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
  });
  return out;
}

/**
 * The service-link variables a container gets: the `kubernetes` service of `default` always,
 * and the services of the pod's namespace when enableServiceLinks (default true). Sorted by
 * service name so the result is deterministic.
 */
export function serviceLinkEnv(
  podNamespace: string,
  enableServiceLinks: boolean,
  namespaceServices: V1Service[],
  kubernetesService: V1Service | undefined,
  apiOverride?: { host: string; port: string },
): Map<string, string> {
  const chosen = new Map<string, V1Service>();
  if (enableServiceLinks) {
    for (const s of namespaceServices) if (hasClusterIP(s) && s.metadata?.name) chosen.set(s.metadata.name, s);
  }
  if (kubernetesService && hasClusterIP(kubernetesService) && !chosen.has('kubernetes')) {
    chosen.set('kubernetes', kubernetesService);
  }
  const env = new Map<string, string>();
  for (const [, svc] of [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [k, v] of serviceEnvVars(svc)) env.set(k, v);
  }
  if (apiOverride) {
    // KubernetesApiAddr/Port: the remote side reaches the API server elsewhere. Replace, never append.
    const { host, port } = apiOverride;
    const url = `tcp://${joinHostPort(host, Number(port))}`;
    env.set('KUBERNETES_SERVICE_HOST', host);
    env.set('KUBERNETES_SERVICE_PORT', port);
    env.set('KUBERNETES_SERVICE_PORT_HTTPS', port);
    env.set('KUBERNETES_PORT', url);
    env.set('KUBERNETES_PORT_443_TCP', url);
    env.set('KUBERNETES_PORT_443_TCP_PROTO', 'tcp');
    env.set('KUBERNETES_PORT_443_TCP_PORT', port);
    env.set('KUBERNETES_PORT_443_TCP_ADDR', host);
  }
  return env;
}
