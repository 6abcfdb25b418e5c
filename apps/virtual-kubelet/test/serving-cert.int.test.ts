import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type PeerCertificate } from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/kube-client';
import { CsrCertSource } from '../src/kubelet-api/certs/csr-cert-source';
import { selfSignedCert } from '../src/kubelet-api/certs/self-signed-cert-source';
import { benchKube, cleanupNode, kubectl, startVk, suffix, type StartedVk } from './support/kube-harness';
import { TestRelay } from './support/test-relay';

let kc: KubeConfig;
let admin: KubeClient;
let relay: TestRelay;
const running: StartedVk[] = [];
const nodes: string[] = [];

beforeAll(async () => {
  ({ kc, admin } = await benchKube());
  relay = new TestRelay();
  await relay.start();
});

afterAll(async () => {
  for (const s of running) await s.vk.stop();
  await relay?.stop();
  for (const n of nodes) await cleanupNode(admin, n);
  admin?.close();
});

function peer(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate());
      s.end();
    });
    s.on('error', reject);
  });
}

describe('kubelet serving certificate modes', () => {
  it('obtains a kubelet-serving certificate through a CSR once an administrator approves it', async () => {
    const nodeName = `vk-csr-${suffix()}`;
    nodes.push(nodeName);
    const certDir = mkdtempSync(join(tmpdir(), 'vk-certs-'));
    const s = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, cfg: { DisableCSR: false, KubeletCertDir: certDir } });
    running.push(s);
    const source = s.vk.certs as CsrCertSource;
    expect(source.mode).toBe('csr');
    // Until approval, a temporary self-signed certificate keeps the port up.
    expect((await peer(s.vk.kubeletApi.port)).issuer.CN).toBe(`system:node:${nodeName}`);
    await expect.poll(() => source.pendingCsr, { timeout: 15_000 }).toMatch(new RegExp(`^vk-${nodeName}-`));
    const csr = JSON.parse(await kubectl(['get', 'csr', source.pendingCsr!, '-o', 'json'])) as { spec: { signerName: string; usages: string[]; username: string } };
    expect(csr.spec.signerName).toBe('kubernetes.io/kubelet-serving');
    expect(csr.spec.usages).toEqual(['digital signature', 'key encipherment', 'server auth']);
    await expect.poll(() => s.logs.some((l) => l.includes('kubelet serving CSR waits for approval')), { timeout: 5_000 }).toBe(true);
    await kubectl(['certificate', 'approve', source.pendingCsr!]);
    await expect.poll(async () => (await peer(s.vk.kubeletApi.port)).issuer.CN, { timeout: 30_000 }).not.toBe(`system:node:${nodeName}`);
    const cert = await peer(s.vk.kubeletApi.port);
    expect(cert.subject.CN).toBe(`system:node:${nodeName}`);
    expect(cert.subject.O).toBe('system:nodes');
    expect(cert.subjectaltname).toContain(`DNS:${nodeName}`);
    expect(cert.subjectaltname).toContain('IP Address:127.0.0.1');
    // Kept on disk: a restart uses it without a new CSR.
    await s.vk.stop();
    running.splice(running.indexOf(s), 1);
    const again = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, cfg: { DisableCSR: false, KubeletCertDir: certDir } });
    running.push(again);
    expect((await peer(again.vk.kubeletApi.port)).fingerprint256).toBe(cert.fingerprint256);
    expect((again.vk.certs as CsrCertSource).pendingCsr).toBeUndefined();
  }, 90_000);

  it('serves certificates from files and reloads them when they change', async () => {
    const nodeName = `vk-files-${suffix()}`;
    nodes.push(nodeName);
    const dir = mkdtempSync(join(tmpdir(), 'vk-files-'));
    const first = selfSignedCert('first.example', '127.0.0.1');
    writeFileSync(join(dir, 'tls.crt'), first.cert);
    writeFileSync(join(dir, 'tls.key'), first.key);
    const s = await startVk({ kc, nodeName, relayUrl: relay.url, relayPort: relay.portString, cfg: { KubeletCertFile: join(dir, 'tls.crt'), KubeletKeyFile: join(dir, 'tls.key') } });
    running.push(s);
    expect((await peer(s.vk.kubeletApi.port)).subjectaltname).toContain('DNS:first.example');
    const second = selfSignedCert('second.example', '127.0.0.1');
    writeFileSync(join(dir, 'tls.key'), second.key);
    writeFileSync(join(dir, 'tls.crt'), second.cert);
    await expect.poll(async () => (await peer(s.vk.kubeletApi.port)).subjectaltname, { timeout: 15_000 }).toContain('DNS:second.example');
  }, 60_000);
});
