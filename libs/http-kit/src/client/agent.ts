import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { ClientTlsOptions, HttpClientOptions } from './types';

export type Target =
  | { kind: 'unix'; socketPath: string; protocol: 'http:' }
  | { kind: 'tcp'; protocol: 'http:' | 'https:'; host: string; port: number; pathPrefix: string };

/** `unix:///p` → socket; `http(s)://host[:port][/prefix]` → TCP. Errors name the URL. */
export function parseTarget(baseUrl: string): Target {
  if (baseUrl.startsWith('unix://')) {
    const socketPath = baseUrl.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`invalid URL "${baseUrl}": unix socket path must be absolute (unix:///path)`);
    return { kind: 'unix', socketPath, protocol: 'http:' };
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`invalid URL "${baseUrl}": expected http://host:port, https://host:port or unix:///path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid URL "${baseUrl}": scheme must be http, https or unix`);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    kind: 'tcp',
    protocol: url.protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
  };
}

export function createAgent(target: Target, options: HttpClientOptions): HttpAgent {
  const common = {
    keepAlive: true,
    keepAliveMsecs: 90_000,
    maxSockets: options.maxSockets ?? 10_000,
    maxFreeSockets: options.maxFreeSockets ?? 1_000,
    // Applies to pooled idle sockets; active requests use our own timers.
    timeout: options.idleTimeoutMs ?? 120_000,
    scheduling: 'lifo' as const,
  };
  if (target.protocol === 'https:') return new HttpsAgent({ ...common, ...readClientTls(options.tls ?? {}) });
  return new HttpAgent(common);
}

function readClientTls(tls: ClientTlsOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { rejectUnauthorized: tls.insecureSkipVerify !== true };
  if (tls.caFile) out['ca'] = readCa(tls.caFile);
  if (tls.certFile || tls.keyFile) {
    if (!tls.certFile || !tls.keyFile) throw new Error('client TLS: certFile and keyFile must be given together');
    out['cert'] = readFile(tls.certFile, 'client certificate');
    out['key'] = readFile(tls.keyFile, 'client key');
  }
  if (tls.serverName) out['servername'] = tls.serverName;
  return out;
}

/** PEM bundles pass through; a DER certificate is converted (upstream accepts both). */
function readCa(path: string): string | Buffer {
  const data = readFile(path, 'CA');
  if (data.includes('-----BEGIN')) return data;
  try {
    return new X509Certificate(data).toString();
  } catch {
    throw new Error(`TLS CA file ${path}: neither PEM nor DER certificate`);
  }
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`TLS ${what} file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message}`);
  }
}
