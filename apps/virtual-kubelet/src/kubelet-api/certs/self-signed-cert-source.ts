import { isIP } from 'node:net';
import selfsigned from 'selfsigned';
import type { Logger } from '@interlink/logging';
import { expiresAt, type ServingCert, type ServingCertSource } from './serving-cert';

const DAY = 86_400_000;

/** A self-signed serving certificate for the node; the API server must skip backend verification. */
export function selfSignedCert(nodeName: string, ip: string, days = 365): ServingCert {
  const altNames: Array<Record<string, unknown>> = [{ type: 2, value: nodeName }];
  if (isIP(ip)) altNames.push({ type: 7, ip });
  const result = selfsigned.generate(
    [
      { name: 'commonName', value: `system:node:${nodeName}` },
      { name: 'organizationName', value: 'intertwin.eu' },
    ],
    {
      days,
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  );
  return { cert: result.cert, key: result.private };
}

/** DisableCSR: self-signed, valid one year, regenerated when less than a day remains. */
export class SelfSignedCertSource implements ServingCertSource {
  readonly mode = 'self-signed' as const;
  private cert: ServingCert | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(c: ServingCert) => void> = [];

  constructor(
    private readonly nodeName: string,
    private readonly ip: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<ServingCert> {
    this.rotate();
    return this.current();
  }

  current(): ServingCert {
    if (!this.cert) throw new Error('serving certificate not generated');
    return this.cert;
  }

  onChange(listener: (cert: ServingCert) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private rotate(): void {
    const first = this.cert === undefined;
    this.cert = selfSignedCert(this.nodeName, this.ip);
    if (!first) for (const l of this.listeners) l(this.cert);
    this.log.info('using a self-signed kubelet serving certificate (the API server must not verify kubelet certificates)', { node: this.nodeName });
    const renewIn = Math.min(2 ** 31 - 1, expiresAt(this.cert.cert) - Date.now() - DAY);
    this.timer = setTimeout(() => this.rotate(), Math.max(60_000, renewIn));
    this.timer.unref?.();
  }
}
