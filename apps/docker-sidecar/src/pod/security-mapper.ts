import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import { ContainerConfigError } from './env-resolver';
import { PodSpecError } from './pod-spec-error';

export type DockerSecurity = Pick<
  Docker.HostConfig,
  'Privileged' | 'ReadonlyRootfs' | 'CapAdd' | 'CapDrop' | 'SecurityOpt' | 'GroupAdd'
> & {
  User?: string;
};

/**
 * securityContext → Docker. Container settings win over pod settings. Privileged only when
 * asked. `imageUser` is the image's configured user, needed for runAsGroup without runAsUser
 * and for the runAsNonRoot check (which the kubelet also does against the image).
 */
export function mapSecurity(pod: V1Pod, c: V1Container, imageUser: string): DockerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const out: DockerSecurity = {};
  const uid = sc.runAsUser ?? psc.runAsUser;
  const gid = sc.runAsGroup ?? psc.runAsGroup;
  const imageUserPart = imageUser.split(':')[0] ?? '';
  if (uid !== undefined) out.User = gid !== undefined ? `${uid}:${gid}` : String(uid);
  else if (gid !== undefined) out.User = `${imageUserPart || '0'}:${gid}`;

  if (sc.runAsNonRoot ?? psc.runAsNonRoot) {
    const effective = uid !== undefined ? String(uid) : imageUserPart;
    if (effective === '' || effective === '0' || effective === 'root') {
      throw new ContainerConfigError(`container "${c.name}" has runAsNonRoot and image will run as root`);
    }
    if (!/^\d+$/.test(effective)) {
      throw new ContainerConfigError(
        `container "${c.name}" has runAsNonRoot and image has non-numeric user (${effective}), cannot verify user is non-root`,
      );
    }
  }
  const groups = [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])].map(
    String,
  );
  if (groups.length > 0) out.GroupAdd = [...new Set(groups)];
  if (sc.privileged) out.Privileged = true;
  if (sc.readOnlyRootFilesystem) out.ReadonlyRootfs = true;
  if (sc.capabilities?.add?.length) out.CapAdd = sc.capabilities.add.map(capName);
  if (sc.capabilities?.drop?.length) out.CapDrop = sc.capabilities.drop.map(capName);
  const opts: string[] = [];
  if (sc.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  const seccomp = sc.seccompProfile ?? psc.seccompProfile;
  if (seccomp?.type === 'Unconfined') opts.push('seccomp=unconfined');
  else if (seccomp?.type === 'Localhost')
    throw new PodSpecError(
      `container "${c.name}": Localhost seccomp profiles are not supported by the Docker sidecar`,
    );
  if (opts.length > 0) out.SecurityOpt = opts;
  return out;
}

/** Kubernetes writes `NET_ADMIN`; Docker accepts that or `CAP_NET_ADMIN`, and `ALL`. */
function capName(cap: string): string {
  const upper = cap.toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}
