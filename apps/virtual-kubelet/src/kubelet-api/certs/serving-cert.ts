import { X509Certificate } from 'node:crypto';

export interface ServingCert {
  cert: string;
  key: string;
}

/** Where the kubelet API's certificate comes from; `onChange` fires when it rotates. */
export interface ServingCertSource {
  /** Resolves with the first usable certificate. */
  start(): Promise<ServingCert>;
  current(): ServingCert;
  onChange(listener: (cert: ServingCert) => void): void;
  stop(): void;
  readonly mode: 'files' | 'self-signed' | 'csr';
}

/** Fraction of the validity period still ahead (0 when expired). */
export function remainingFraction(certPem: string, now = Date.now()): number {
  try {
    const x = new X509Certificate(certPem);
    const from = Date.parse(x.validFrom);
    const to = Date.parse(x.validTo);
    if (!(to > from)) return 0;
    return Math.max(0, (to - now) / (to - from));
  } catch {
    return 0;
  }
}

export function expiresAt(certPem: string): number {
  try {
    return Date.parse(new X509Certificate(certPem).validTo);
  } catch {
    return 0;
  }
}
