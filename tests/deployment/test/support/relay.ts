import { randomUUID } from 'node:crypto';
import { HttpClient } from '@interlink/http-kit';
import { eventually } from '@interlink/testbench';

const relays = new Map<number, HttpClient>();

/** A relay's REST API (hop 1) as the virtual kubelet calls it: JSON bodies, also on GET. */
export async function relayCall(
  port: number,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  let relay = relays.get(port);
  if (!relay) {
    relay = new HttpClient({ baseUrl: `http://127.0.0.1:${port}`, headersTimeoutMs: 60_000 });
    relays.set(port, relay);
  }
  const res = await relay.request({ method, path, json: body });
  return { status: res.status, text: res.text() };
}

export interface TestPod {
  metadata: { name: string; namespace: string; uid: string };
  spec: unknown;
  status: Record<string, never>;
}

export function echoPod(name: string, text: string): TestPod {
  return {
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image: 'busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', `echo ${text} on $(hostname)`],
        },
      ],
    },
    status: {},
  };
}

interface ContainerStatus {
  name: string;
  state: {
    terminated?: { exitCode: number; reason?: string };
    running?: object;
    waiting?: { reason?: string; message?: string };
  };
}

/** Creates the pod through the relay, waits for its container to end, returns exit code and logs. */
export async function runPodThroughRelay(
  port: number,
  pod: TestPod,
): Promise<{ jobId: string; exitCode: number; logs: string }> {
  const created = await relayCall(port, 'POST', '/create', {
    pod,
    configmaps: [],
    secrets: [],
    projectedvolumesmaps: [],
  });
  if (created.status !== 200)
    throw new Error(`create on :${port} answered ${created.status}: ${created.text}`);
  const { PodJID: jobId } = JSON.parse(created.text) as { PodJID: string };
  const terminated = await eventually(
    `pod ${pod.metadata.name} to finish on the relay at :${port}`,
    async () => {
      const r = await relayCall(port, 'GET', '/status', [pod]);
      if (r.status !== 200) throw new Error(`status answered ${r.status}: ${r.text}`);
      const [status] = JSON.parse(r.text) as Array<{ containers: ContainerStatus[] }>;
      return status?.containers.find((c) => c.name === 'main')?.state.terminated;
    },
    120_000,
  );
  const logs = await relayCall(port, 'GET', '/getLogs', {
    Namespace: pod.metadata.namespace,
    PodUID: pod.metadata.uid,
    PodName: pod.metadata.name,
    ContainerName: 'main',
    Opts: {},
  });
  return { jobId, exitCode: terminated.exitCode, logs: logs.text };
}

export async function deletePodThroughRelay(port: number, pod: TestPod): Promise<void> {
  const r = await relayCall(port, 'POST', '/delete', pod);
  if (r.status !== 200) throw new Error(`delete on :${port} answered ${r.status}: ${r.text}`);
}
