import { HttpClientError, HttpError, type BufferedResponse } from '@interlink/http-kit';

/** Transport failure towards the plugin → the relay's own status (503/504/502/499). */
export function pluginFailure(err: unknown, path: string, url: string): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof HttpClientError) {
    const details = { origin: 'relay', plugin: url };
    switch (err.kind) {
      case 'unreachable':
        return new HttpError(503, `plugin unreachable on ${path}: ${err.message}`, details);
      case 'timeout':
        return new HttpError(504, `plugin did not answer ${path} in time: ${err.message}`, details);
      case 'aborted':
        // The caller went away; nobody will read this, but the access log will.
        return new HttpError(499, `request cancelled by the client during ${path}`, details);
      default:
        return new HttpError(502, `plugin connection failed during ${path}: ${err.message}`, details);
    }
  }
  return new HttpError(502, `plugin call ${path} failed: ${err instanceof Error ? err.message : String(err)}`, { origin: 'relay', plugin: url });
}

const MAX_QUOTED_BODY = 4096;

/** A non-200 plugin answer → same status, JSON error quoting the plugin's text. */
export function pluginAnswerError(res: BufferedResponse, path: string): HttpError {
  const text = res.text();
  const quoted = text.length > MAX_QUOTED_BODY ? `${text.slice(0, MAX_QUOTED_BODY)}… (${text.length} bytes)` : text;
  const status = res.status >= 400 && res.status <= 599 ? res.status : 502;
  return new HttpError(status, `plugin answered ${res.status} on ${path}: ${quoted.trim() || '(empty body)'}`, {
    origin: 'plugin',
    pluginStatus: res.status,
  });
}

/** A 200 plugin answer the relay cannot use. */
export function pluginGarbage(path: string, problem: string): HttpError {
  return new HttpError(502, `plugin answered ${path} with an unusable body: ${problem}`, { origin: 'plugin' });
}
