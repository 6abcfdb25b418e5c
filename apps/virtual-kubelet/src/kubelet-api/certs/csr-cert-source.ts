import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1CertificateSigningRequest, V1CertificateSigningRequestList, V1ObjectReference } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { EventRecorder } from '../../events/event-recorder';
import { isNotFound, type KubeClient } from '../../kube/kube-client';
import { createCsr } from './csr';
import { selfSignedCert } from './self-signed-cert-source';
import { expiresAt, remainingFraction, type ServingCert, type ServingCertSource } from './serving-cert';

export interface CsrOptions {
  nodeName: string;
  ip: string;
  signerName: string;
  certDir: string;
  pollMs?: number;
}

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/**
 * The default mode: a serving certificate from a `kubernetes.io/kubelet-serving` CSR (CN
 * system:node:<node>, O system:nodes, DNS and IP SANs). Such CSRs are never auto-approved
 * for a virtual node: an administrator runs `kubectl certificate approve <name>`; until then
 * the server uses a temporary self-signed certificate and says so in the log and an Event.
 * The issued certificate is kept in KubeletCertDir and renewed at 80 % of its lifetime.
 */
export class CsrCertSource implements ServingCertSource {
  readonly mode = 'csr' as const;
  private cert: ServingCert | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners: Array<(c: ServingCert) => void> = [];
  /** Name of the CSR currently waiting (tests approve it). */
  pendingCsr: string | undefined;

  constructor(
    private readonly kube: KubeClient,
    private readonly options: CsrOptions,
    private readonly events: EventRecorder,
    private readonly nodeRef: () => V1ObjectReference,
    private readonly log: Logger,
  ) {}

  private get files(): { cert: string; key: string } {
    const base = join(this.options.certDir, `virtual-kubelet-${this.options.nodeName}`);
    return { cert: `${base}.crt`, key: `${base}.key` };
  }

  async start(): Promise<ServingCert> {
    this.stopped = false;
    const stored = this.load();
    if (stored && remainingFraction(stored.cert) > 0.2) {
      this.cert = stored;
      this.log.info('using the stored kubelet serving certificate', { file: this.files.cert });
      this.scheduleRenewal();
      return stored;
    }
    this.cert = selfSignedCert(this.options.nodeName, this.options.ip, 30);
    void this.requestLoop();
    return this.cert;
  }

  current(): ServingCert {
    if (!this.cert) throw new Error('serving certificate not ready');
    return this.cert;
  }

  onChange(listener: (cert: ServingCert) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private load(): ServingCert | undefined {
    try {
      return { cert: readFileSync(this.files.cert, 'utf8'), key: readFileSync(this.files.key, 'utf8') };
    } catch {
      return undefined;
    }
  }

  private store(cert: ServingCert): void {
    try {
      mkdirSync(this.options.certDir, { recursive: true, mode: 0o700 });
      writeFileSync(this.files.key, cert.key, { mode: 0o600 });
      writeFileSync(this.files.cert, cert.cert, { mode: 0o644 });
    } catch (err) {
      this.log.warn('cannot store the issued serving certificate; it will be requested again after a restart', { error: (err as Error).message });
    }
  }

  private scheduleRenewal(): void {
    if (!this.cert || this.stopped) return;
    // Renew when 80 % of the lifetime has passed, i.e. 20 % remains.
    const remaining = expiresAt(this.cert.cert) - Date.now();
    const fraction = remainingFraction(this.cert.cert);
    const lifetime = fraction > 0 ? remaining / fraction : 0;
    const inMs = Math.max(60_000, Math.min(2 ** 31 - 1, remaining - 0.2 * lifetime));
    this.timer = setTimeout(() => void this.requestLoop(), inMs);
    this.timer.unref?.();
  }

  private async requestLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const issued = await this.requestOnce();
        if (issued) {
          this.cert = issued;
          this.store(issued);
          for (const l of this.listeners) l(issued);
          this.log.info('kubelet serving certificate issued', { node: this.options.nodeName, expires: new Date(expiresAt(issued.cert)).toISOString() });
          this.scheduleRenewal();
          return;
        }
      } catch (err) {
        this.log.warn('kubelet serving CSR failed; retrying', { error: (err as Error).message });
      }
      await sleep(30_000, () => this.stopped);
    }
  }

  private async requestOnce(): Promise<ServingCert | undefined> {
    const { nodeName, ip, signerName } = this.options;
    await this.deleteStale();
    const { csrPem, keyPem } = createCsr({ commonName: `system:node:${nodeName}`, organization: 'system:nodes', dnsNames: [nodeName], ipAddresses: ip ? [ip] : [] });
    const created = await this.kube.request<V1CertificateSigningRequest>({
      method: 'POST',
      path: CSR_PATH,
      body: {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: `vk-${nodeName}-` },
        spec: { request: Buffer.from(csrPem).toString('base64'), signerName, usages: ['digital signature', 'key encipherment', 'server auth'] },
      },
    });
    const name = created.metadata?.name ?? '';
    this.pendingCsr = name;
    const hint = `kubectl certificate approve ${name}`;
    this.log.warn('kubelet serving CSR waits for approval; kubectl logs needs it (or --insecure-skip-tls-verify-backend)', { csr: name, approve: hint });
    this.events.event(this.nodeRef(), 'Warning', 'CSRPending', `Serving certificate request ${name} waits for approval: ${hint}`);
    const poll = this.options.pollMs ?? 2_000;
    let lastNag = Date.now();
    while (!this.stopped) {
      await sleep(poll, () => this.stopped);
      let csr: V1CertificateSigningRequest;
      try {
        csr = await this.kube.request<V1CertificateSigningRequest>({ method: 'GET', path: `${CSR_PATH}/${encodeURIComponent(name)}` });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const conds = csr.status?.conditions ?? [];
      const denied = conds.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (denied) {
        this.events.event(this.nodeRef(), 'Warning', 'CSRDenied', `Serving certificate request ${name} was ${denied.type.toLowerCase()}: ${denied.message ?? denied.reason ?? ''}`);
        await this.kube.request({ method: 'DELETE', path: `${CSR_PATH}/${encodeURIComponent(name)}` }).catch(() => undefined);
        return undefined;
      }
      if (csr.status?.certificate) {
        this.pendingCsr = undefined;
        return { cert: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), key: keyPem };
      }
      if (Date.now() - lastNag > 60_000) {
        lastNag = Date.now();
        this.log.warn('kubelet serving CSR still waits for approval', { csr: name, approve: hint });
      }
    }
    return undefined;
  }

  /** Earlier requests of this node that never completed. */
  private async deleteStale(): Promise<void> {
    const list = await this.kube.request<V1CertificateSigningRequestList>({ method: 'GET', path: CSR_PATH });
    const prefix = `vk-${this.options.nodeName}-`;
    for (const csr of list.items) {
      const name = csr.metadata?.name ?? '';
      if (!name.startsWith(prefix) || csr.spec.signerName !== this.options.signerName) continue;
      await this.kube.request({ method: 'DELETE', path: `${CSR_PATH}/${encodeURIComponent(name)}` }).catch(() => undefined);
    }
  }
}

function sleep(ms: number, stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    if (stopped()) {
      clearTimeout(t);
      resolve();
    }
  });
}
