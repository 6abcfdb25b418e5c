import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '@interlink/http-kit';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeletAuth {
  cert?: string;
  key?: string;
  token?: string;
}

/**
 * A direct HTTPS GET on a kubelet API port (certificate not verified, a fresh connection), optionally
 * with a client certificate or a bearer token.
 */
export async function kubeletGet(
  port: number,
  path: string,
  auth: KubeletAuth = {},
): Promise<{ status: number; body: string }> {
  const client = new HttpClient({ baseUrl: `https://127.0.0.1:${port}`, tls: { insecureSkipVerify: true, ...clientCertFiles(auth) } });
  try {
    const headers: Record<string, string> = auth.token ? { Authorization: `Bearer ${auth.token}` } : {};
    const res = await client.request({ method: 'GET', path, headers });
    return { status: res.status, body: res.text() };
  } finally {
    client.close();
  }
}

/** The HTTP client reads certificates from files, as the apps do. */
function clientCertFiles(auth: KubeletAuth): { certFile?: string; keyFile?: string } {
  if (!auth.cert || !auth.key) return {};
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-client-'));
  writeFileSync(join(dir, 'client.crt'), auth.cert);
  writeFileSync(join(dir, 'client.key'), auth.key, { mode: 0o600 });
  return { certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
}

/** The bench admin's client certificate (signed by the cluster CA, group system:masters). */
export function adminCert(kc: KubeConfig): { cert: string; key: string } {
  const user = kc.getCurrentUser();
  const cert = user?.certData
    ? Buffer.from(user.certData, 'base64').toString()
    : readFileSync(user!.certFile!, 'utf8');
  const key = user?.keyData
    ? Buffer.from(user.keyData, 'base64').toString()
    : readFileSync(user!.keyFile!, 'utf8');
  return { cert, key };
}

/**
 * One sample of a Prometheus text exposition: `metric(text, 'name', { label: 'v' })` is the sum of
 * every series of `name` whose labels include the given ones (0 when there is none).
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      have[pair[1] ?? ''] = pair[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}
