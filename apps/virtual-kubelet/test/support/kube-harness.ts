import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createLogger, type Logger, type LogLevel } from '@interlink/logging';
import { benchEnv, ensureBench } from '@interlink/testbench';
import type { Provider } from '@interlink/relay-client';
import type { VkConfig } from '../../src/config/vk-config';
import { isNotFound, KubeClient } from '../../src/kube/kube-client';
import type { ApiAccess } from '../../src/kube/api-access';
import { VirtualKubelet } from '../../src/virtual-kubelet';
import { testConfig } from './test-config';

const run = promisify(execFile);

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** The bench control plane; fails loudly when it cannot be started. */
export async function benchKube(): Promise<{ kc: KubeConfig; admin: KubeClient }> {
  await ensureBench(['k8s']);
  const kc = new KubeConfig();
  kc.loadFromFile(benchEnv.kubeconfig);
  const admin = await KubeClient.create(kc, { qps: 0 });
  return { kc, admin };
}

export async function kubectl(args: string[], input?: string): Promise<string> {
  const child = run('kubectl', ['--kubeconfig', benchEnv.kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

export interface StartedVk {
  vk: VirtualKubelet;
  nodeName: string;
  logs: string[];
  /** Every API permission the controller used, by `group/resource:verb`. */
  access: Map<string, ApiAccess>;
}

/** A VirtualKubelet in this process against the bench API server. */
export async function startVk(opts: {
  kc: KubeConfig;
  nodeName: string;
  relayUrl: string;
  relayPort: string;
  cfg?: Partial<Record<keyof VkConfig, unknown>>;
  kubeletPort?: number;
  provider?: Provider;
  level?: LogLevel;
}): Promise<StartedVk> {
  const logs: string[] = [];
  const log: Logger = createLogger({ service: 'virtual-kubelet', level: opts.level ?? 'debug', destination: { write: (l: string) => logs.push(l) } });
  const access = new Map<string, ApiAccess>();
  const cfg = testConfig({
    InterlinkURL: opts.relayUrl,
    InterlinkPort: opts.relayPort,
    DisableCSR: true,
    PingIntervalSeconds: 1,
    StatusIntervalSeconds: 0.5,
    LeaseRenewIntervalSeconds: 2,
    NodeStatusMaxIntervalSeconds: 10,
    PingFailureThreshold: 2,
    ...opts.cfg,
  });
  const vk = new VirtualKubelet({
    cfg,
    settings: { nodeName: opts.nodeName, configPath: '(test)', kubeletPort: opts.kubeletPort ?? (await freePort()), kubeletBind: '127.0.0.1', podIP: '127.0.0.1', version: '0.0.0-test' },
    kubeConfig: opts.kc,
    log,
    ...(opts.provider ? { provider: opts.provider } : {}),
    onAccess: (a: ApiAccess) => access.set(`${a.group || 'core'}/${a.resource}:${a.verb}`, a),
  });
  await vk.start();
  return { vk, nodeName: opts.nodeName, logs, access };
}

/** Delete what a test created: its namespace (pods are force-deleted), node and lease. */
export async function cleanupNode(admin: KubeClient, nodeName: string): Promise<void> {
  await admin.request({ method: 'DELETE', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined);
  await admin.request({ method: 'DELETE', path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}` }).catch(() => undefined);
}

export async function createNamespace(admin: KubeClient, name: string): Promise<void> {
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  // The service-account controller creates "default" asynchronously; pods need it.
  for (let i = 0; i < 100; i++) {
    try {
      await admin.request({ method: 'GET', path: `/api/v1/namespaces/${name}/serviceaccounts/default` });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`namespace ${name}: default service account never appeared (is kube-controller-manager running?)`);
}

export async function deleteNamespace(admin: KubeClient, name: string): Promise<void> {
  const pods = await admin.request<{ items: V1Pod[] }>({ method: 'GET', path: `/api/v1/namespaces/${name}/pods` }).catch(() => ({ items: [] }));
  for (const p of pods.items) {
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}/pods/${p.metadata?.name}`, body: { gracePeriodSeconds: 0 } }).catch(() => undefined);
  }
  await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
}

/** A pod that only lands on the virtual node (nodeSelector + the opt-in toleration). */
export function virtualPod(nodeName: string, name: string, spec: Partial<NonNullable<V1Pod['spec']>> = {}, meta: Partial<NonNullable<V1Pod['metadata']>> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...meta },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': nodeName },
      tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists', effect: 'NoSchedule' }],
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox:latest', command: ['sh', '-c', 'echo hello'] }],
      ...spec,
    },
  };
}

export async function getPod(admin: KubeClient, ns: string, name: string): Promise<V1Pod | undefined> {
  try {
    return await admin.request<V1Pod>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${name}` });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
