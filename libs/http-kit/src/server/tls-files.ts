import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { ServerTlsOptions } from './types';

/** Read cert/key/CA into secure-context options; errors name the file. */
export function readServerTls(tls: ServerTlsOptions): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const requireClientCert = tls.requireClientCert ?? tls.caFile !== undefined;
  if (requireClientCert && !tls.caFile) throw new Error('TLS: requireClientCert needs caFile to verify client certificates');
  return {
    cert: readTlsFile(tls.certFile, 'certificate'),
    key: readTlsFile(tls.keyFile, 'key'),
    ...(tls.caFile ? { ca: readTlsFile(tls.caFile, 'CA') } : {}),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
    minVersion: 'TLSv1.2',
  };
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`TLS ${what} file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message}`);
  }
}

/**
 * Poll the TLS files (stat polling survives the symlink swaps Kubernetes secret volumes do,
 * where fs.watch loses track) and call `onChange` when any changes. Returns a stop function.
 */
export function watchTlsFiles(tls: ServerTlsOptions, onChange: () => void, intervalMs = 2000): () => void {
  const files = [tls.certFile, tls.keyFile, tls.caFile].filter((f): f is string => f !== undefined);
  const listener = (curr: { mtimeMs: number; ino: number }, prev: { mtimeMs: number; ino: number }): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino) onChange();
  };
  for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, listener);
  return () => {
    for (const f of files) unwatchFile(f, listener);
  };
}
