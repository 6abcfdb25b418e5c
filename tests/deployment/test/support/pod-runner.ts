import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk } from '@interlink/testbench';

// Runs the pod template of a rendered Deployment with `docker run`, as a kubelet would on a node
// whose pods share the host network: the containers, their images, commands, env (downward API
// status.podIP → 127.0.0.1), securityContext, configMap/secret/emptyDir/hostPath volumes, and the
// ServiceAccount token projected at the in-cluster path. The bench has no kubelet, so this is how
// a manifest's pod is exercised for real against its API server.

export interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Volume {
  name: string;
  configMap?: { name: string };
  emptyDir?: object;
  hostPath?: { path: string };
  secret?: { secretName: string };
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { fsGroup?: number };
  containers: Container[];
  volumes?: Volume[];
}

export interface RunningPod {
  containers: string[];
  stop(): Promise<void>;
}

export async function runDeploymentPod(
  objs: K8sObject[],
  opts: { prefix: string; token: string; caCert: string; apiPort: number },
): Promise<RunningPod> {
  const dep = objs.find((o) => o.kind === 'Deployment');
  if (!dep) throw new Error('no Deployment');
  const spec = (dep.spec as { template: { spec: PodSpec } }).template.spec;
  const ns = dep.metadata.namespace ?? 'default';
  const dir = mkdtempSync('/tmp/pod-runner-');
  const fsGroup = spec.securityContext?.fsGroup;
  const hostPaths = new Map<string, string>();

  for (const vol of spec.volumes ?? []) {
    const path = join(dir, 'volumes', vol.name);
    if (vol.hostPath) {
      hostPaths.set(vol.name, vol.hostPath.path);
      continue;
    }
    mkdirSync(path, { recursive: true });
    if (vol.emptyDir) chmodSync(path, 0o777);
    const source = vol.configMap
      ? objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol.configMap!.name)
      : vol.secret
        ? objs.find((o) => o.kind === 'Secret' && o.metadata.name === vol.secret!.secretName)
        : undefined;
    if ((vol.configMap || vol.secret) && !source)
      throw new Error(
        `volume ${vol.name}: its ${vol.configMap ? 'ConfigMap' : 'Secret'} is not in the manifest`,
      );
    for (const [key, value] of Object.entries(source?.data ?? {})) {
      const file = join(path, key);
      writeFileSync(file, vol.secret ? Buffer.from(value, 'base64') : value);
      // What the kubelet does with fsGroup: group-owned, group-readable.
      if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
      chmodSync(file, vol.secret ? 0o440 : 0o644);
    }
    hostPaths.set(vol.name, path);
  }
  const saDir = join(dir, 'serviceaccount');
  mkdirSync(saDir);
  writeFileSync(join(saDir, 'token'), opts.token);
  writeFileSync(join(saDir, 'ca.crt'), opts.caCert);
  writeFileSync(join(saDir, 'namespace'), ns);
  for (const f of ['token', 'ca.crt', 'namespace']) chmodSync(join(saDir, f), 0o644);

  const names: string[] = [];
  const stop = async (): Promise<void> => {
    for (const n of names) await run('docker', ['rm', '-f', n]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const c of spec.containers) {
      const name = `${opts.prefix}-${c.name}`;
      await run('docker', ['rm', '-f', name]);
      const args = ['run', '-d', '--name', name, '--network', 'host'];
      const sc = c.securityContext ?? {};
      if (sc.runAsUser !== undefined) args.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
      if (fsGroup !== undefined && sc.runAsUser !== undefined) args.push('--group-add', String(fsGroup));
      if (sc.readOnlyRootFilesystem) args.push('--read-only');
      if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
      for (const cap of sc.capabilities?.drop ?? []) args.push('--cap-drop', cap);
      for (const cap of sc.capabilities?.add ?? []) args.push('--cap-add', cap);
      args.push('-e', `KUBERNETES_SERVICE_HOST=127.0.0.1`, '-e', `KUBERNETES_SERVICE_PORT=${opts.apiPort}`);
      for (const e of c.env ?? []) {
        const field = e.valueFrom?.fieldRef?.fieldPath;
        const value = e.value ?? (field === 'status.podIP' ? '127.0.0.1' : undefined);
        if (value === undefined)
          throw new Error(`container ${c.name}: env ${e.name} uses an unsupported source`);
        args.push('-e', `${e.name}=${value}`);
      }
      // Parents before children, as the kubelet orders them.
      const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => a.mountPath.length - b.mountPath.length);
      for (const m of mounts) {
        const src = hostPaths.get(m.name);
        if (!src) throw new Error(`container ${c.name}: volume ${m.name} is not defined`);
        args.push('-v', `${src}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
      }
      if (spec.serviceAccountName)
        args.push('-v', `${saDir}:/var/run/secrets/kubernetes.io/serviceaccount:ro`);
      if (c.command) args.push('--entrypoint', c.command[0]!);
      args.push(c.image, ...(c.command?.slice(1) ?? []), ...(c.args ?? []));
      await runOk('docker', args);
      names.push(name);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { containers: names, stop };
}
