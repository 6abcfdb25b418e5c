import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { ServerPemTls, ServerTlsOptions } from './types';

type ServerTls = SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };

export function isPemTls(tls: ServerTlsOptions | ServerPemTls): tls is ServerPemTls {
  return 'cert' in tls;
}

/**
 * In-memory PEM: client certificates are asked for when a CA is given but judged by the
 * authenticator (`socket.authorized`), so that a bad one gets a 401 naming why, not a reset.
 * Without a CA none is asked for: Node would check them against its default trust store.
 */
export function serverPemTls(tls: ServerPemTls): ServerTls {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca } : {}),
    requestCert: Boolean(tls.ca),
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  };
}

/** Read cert/key/CA into secure-context options; errors name the file. */
export function readServerTls(tls: ServerTlsOptions | ServerPemTls): ServerTls {
  if (isPemTls(tls)) return serverPemTls(tls);
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
