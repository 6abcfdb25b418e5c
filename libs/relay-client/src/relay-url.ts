/**
 * The hop-1 base URL, built as upstream does: `unix:///path` is used as is (port ignored);
 * `http(s)://host` gets `:<InterlinkPort>` appended, so the URL itself must not carry a port.
 */
export function relayBaseUrl(interlinkUrl: string, interlinkPort: string | number | undefined): string {
  const url = interlinkUrl.trim().replace(/\/+$/, '');
  if (url.startsWith('unix://')) {
    if (!url.startsWith('unix:///'))
      throw new Error(`InterlinkURL "${interlinkUrl}": a unix socket needs an absolute path (unix:///path)`);
    return url;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`InterlinkURL "${interlinkUrl}": expected http://host, https://host or unix:///path`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`InterlinkURL "${interlinkUrl}": scheme must be http, https or unix`);
  }
  const port = interlinkPort === undefined ? '' : String(interlinkPort).trim();
  if (port === '') return url;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new Error(`InterlinkPort "${port}": must be a TCP port number (1-65535)`);
  }
  if (parsed.port !== '') {
    throw new Error(
      `InterlinkURL "${interlinkUrl}" already has a port and InterlinkPort is ${port}: give the port only in InterlinkPort`,
    );
  }
  return `${parsed.protocol}//${parsed.host}:${port}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}
