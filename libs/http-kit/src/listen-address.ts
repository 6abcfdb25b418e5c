export type ListenAddress =
  { kind: 'tcp'; protocol: 'http' | 'https'; host: string; port: number } | { kind: 'unix'; path: string };

/**
 * Parse `http://host:port`, `https://host:port` or `unix:///abs/path`. IPv6 hosts in brackets.
 * @throws Error with a message naming the address when it is not one of these forms.
 */
export function parseListenAddress(address: string): ListenAddress {
  if (address.startsWith('unix://')) {
    const path = address.slice('unix://'.length);
    if (!path.startsWith('/'))
      throw new Error(`invalid address "${address}": unix socket path must be absolute (unix:///path)`);
    return { kind: 'unix', path };
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(
      `invalid address "${address}": expected http://host:port, https://host:port or unix:///path`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid address "${address}": scheme must be http, https or unix`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`invalid address "${address}": must not contain a path`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { kind: 'tcp', protocol, host, port };
}

/**
 * A listener that serves without TLS (`http://host:port` or `unix:///path`), e.g. the anonymous
 * /metrics listener for scrapers: it has no certificate of its own.
 * @throws Error naming the address when it is malformed or asks for https.
 */
export function plainListenAddress(address: string): string {
  const parsed = parseListenAddress(address);
  if (parsed.kind === 'tcp' && parsed.protocol === 'https') {
    throw new Error(`use http://host:port or unix:///path (this listener serves no TLS), got "${address}"`);
  }
  return address;
}
