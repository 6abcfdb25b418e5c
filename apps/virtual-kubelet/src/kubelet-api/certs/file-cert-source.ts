import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from '@interlink/logging';
import type { ServingCert, ServingCertSource } from './serving-cert';

/** KubeletCertFile/KubeletKeyFile: read at start, re-read whenever either file changes. */
export class FileCertSource implements ServingCertSource {
  readonly mode = 'files' as const;
  private cert: ServingCert | undefined;
  private readonly listeners: Array<(c: ServingCert) => void> = [];
  private readonly onFile = (): void => {
    try {
      this.cert = this.read();
      this.log.info('kubelet serving certificate reloaded from files', { certFile: this.certFile });
      for (const l of this.listeners) l(this.cert);
    } catch (err) {
      this.log.warn('kubelet serving certificate files changed but cannot be loaded; keeping the old one', { error: (err as Error).message });
    }
  };

  constructor(
    private readonly certFile: string,
    private readonly keyFile: string,
    private readonly log: Logger,
    private readonly pollMs = 2_000,
  ) {}

  async start(): Promise<ServingCert> {
    this.cert = this.read();
    for (const f of [this.certFile, this.keyFile]) watchFile(f, { interval: this.pollMs, persistent: false }, this.onFile);
    return this.cert;
  }

  current(): ServingCert {
    if (!this.cert) throw new Error('serving certificate not loaded');
    return this.cert;
  }

  onChange(listener: (cert: ServingCert) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    for (const f of [this.certFile, this.keyFile]) unwatchFile(f, this.onFile);
  }

  private read(): ServingCert {
    const read = (path: string, what: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(`config key "${what}": cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    };
    const pair = { cert: read(this.certFile, 'KubeletCertFile'), key: read(this.keyFile, 'KubeletKeyFile') };
    // A half-written rotation (new key, old certificate) must not replace a working pair.
    try {
      createSecureContext(pair);
    } catch (err) {
      throw new Error(`KubeletCertFile/KubeletKeyFile do not form a usable pair: ${(err as Error).message}`);
    }
    return pair;
  }
}
