// Debug aid: one pod through the Docker stack, printing a timeline of what the API server sees.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@interlink/testbench';
import { benchKube, cleanupNode, createNamespace, deleteNamespace, freePort, kubectl, suffix, virtualPod } from '../test/support/kube-harness';
import { drainSidecar, ServiceProcess } from '../test/support/service-process';
import { VkProcess } from '../test/support/vk-process';
import { sleep, watchPods } from './bench-kit';

async function main(): Promise<void> {
  const { admin } = await benchKube();
  const id = suffix();
  const nodeName = `vk-tl-${id}`;
  const ns = `vk-tl-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'vk-tl-'));
  const plugin = new ServiceProcess('docker-sidecar', { Socket: `unix://${dir}/plugin.sock`, DataRootFolder: join(dir, 'data'), InstanceName: `vk-tl-${id}` }, (c) => ['--config', c]);
  const relay = new ServiceProcess('interlink', { InterlinkAddress: `unix://${dir}/relay.sock`, SidecarURL: `unix://${dir}/plugin.sock` }, (c) => ['--config', c]);
  plugin.start();
  relay.start();
  await waitFor('relay', () => { try { execFileSync('curl', ['-sf', '--unix-socket', `${dir}/relay.sock`, '-X', 'POST', 'http://unix/pinglink'], { stdio: 'pipe' }); return true; } catch { return false; } });
  const vk = new VkProcess(nodeName, { InterlinkURL: `unix://${dir}/relay.sock`, DisableCSR: true, VerboseLogging: true }, { KUBELET_PORT: String(await freePort()) });
  vk.start();
  await waitFor('ready', async () => (await admin.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>({ method: 'GET', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), { timeoutMs: 60_000 });
  await createNamespace(admin, ns);
  const t0 = Date.now();
  const burst = Number(process.argv[2] ?? '1');
  const seen = new Map<string, Record<string, number>>();
  const stop = await watchPods(admin, ns, (p, at) => {
    const rec = seen.get(p.metadata?.name ?? '') ?? {};
    seen.set(p.metadata?.name ?? '', rec);
    const mark = (k: string) => { rec[k] ??= at - t0; };
    mark('seen');
    if (p.spec?.nodeName) mark('bound');
    if (p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating') mark('accepted');
    if (p.metadata?.annotations?.['JobID']) mark('submitted');
    if (p.status?.phase === 'Running') mark('running');
    const st = p.status?.containerStatuses?.[0]?.state?.running?.startedAt;
    if (st) rec['startedAt'] ??= Date.parse(String(st)) - t0;
    if (burst === 1) console.log(`${at - t0} ms: node=${p.spec?.nodeName ?? '-'} phase=${p.status?.phase} job=${p.metadata?.annotations?.['JobID'] ?? '-'} state=${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`);
  });
  const pods = Array.from({ length: burst }, (_, i) => virtualPod(nodeName, `p${i}`, { containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 1 }));
  await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }));
  console.log(`${Date.now() - t0} ms: kubectl apply returned`);
  await waitFor('running', () => [...seen.values()].filter((r) => r['running'] !== undefined).length === burst, { timeoutMs: 120_000 }).catch(() => undefined);
  if (burst > 1) {
    for (const k of ['seen', 'bound', 'accepted', 'submitted', 'startedAt', 'running']) {
      const v = [...seen.values()].map((r) => r[k] ?? NaN).sort((a, b) => a - b);
      console.log(`${k}: first ${v[0]} median ${v[Math.floor(v.length / 2)]} last ${v[v.length - 1]}`);
    }
  }
  if (burst > 1) {
    const lags = [...seen.values()].map((r) => (r['running'] ?? NaN) - (r['startedAt'] ?? NaN)).sort((a, b) => a - b);
    console.log(`running seen minus startedAt (second precision): median ${lags[Math.floor(lags.length / 2)]} max ${lags[lags.length - 1]}`);
  }
  await sleep(2000);
  stop();
  const rel = (l: string) => { try { const o = JSON.parse(l) as Record<string, unknown>; return `${Date.parse(String(o['time'])) - t0} ms ${String(o['service'])}: ${String(o['msg'])} ${String(o['path'] ?? '')} ${String(o['durationMs'] ?? '')}`; } catch { return l; } };
  console.log('--- vk'); vk.output.filter((l) => !l.includes('GetStatus') ).slice(-25).forEach((l) => console.log(rel(l)));
  console.log('--- relay'); relay.output.slice(-15).forEach((l) => console.log(rel(l)));
  console.log('--- plugin'); plugin.output.slice(-15).forEach((l) => console.log(rel(l)));
  await deleteNamespace(admin, ns);
  await drainSidecar(`vk-tl-${id}`);
  await vk.kill('SIGTERM'); await relay.stop(); await plugin.stop();
  await cleanupNode(admin, nodeName);
  admin.close();
}
void main();
