import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeletAuth {
  cert?: string;
  key?: string;
  token?: string;
}

/** A direct HTTPS GET on a kubelet API port, optionally with a client certificate or a bearer token. */
export function kubeletGet(
  port: number,
  path: string,
  auth: KubeletAuth = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        rejectUnauthorized: false,
        ...(auth.cert ? { cert: auth.cert, key: auth.key } : {}),
        headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
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
