import { HttpClient } from '@interlink/http-kit';
import { HttpError } from '@interlink/http-kit';
import { SESSION_HEADER, type RetrievedPodData } from '@interlink/api';
import { pluginFailure } from '../plugin/pluginErrors';

const MAX_CLIENTS = 16;

/**
 * Calls the job script builder named by `jobscriptURL` (POST RetrievedPodData → script text).
 * Unlike upstream it has a timeout and never writes the caller's status before the plugin answered.
 */
export class JobScriptBuilderClient {
  private readonly clients = new Map<string, HttpClient>();

  constructor(private readonly timeoutMs: number) {}

  async build(url: string, data: RetrievedPodData, sessionId: string): Promise<string> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new HttpError(400, `jobscriptURL "${url}" is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new HttpError(400, `jobscriptURL "${url}": scheme must be http or https`);
    const client = this.clientFor(parsed.origin);
    let res;
    try {
      res = await client.request({
        method: 'POST',
        path: `${parsed.pathname}${parsed.search}`,
        json: data,
        headers: { [SESSION_HEADER]: sessionId },
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      const failure = pluginFailure(err, 'the job script builder', url);
      throw new HttpError(failure.status, failure.message.replace('plugin', 'job script builder'), { origin: 'builder', builder: url });
    }
    if (res.status !== 200) {
      throw new HttpError(res.status >= 400 && res.status <= 599 ? res.status : 502, `job script builder ${url} answered ${res.status}: ${res.text().slice(0, 4096)}`, {
        origin: 'builder',
      });
    }
    return res.text();
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private clientFor(origin: string): HttpClient {
    let client = this.clients.get(origin);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) {
        const [oldest, old] = this.clients.entries().next().value as [string, HttpClient];
        old.close();
        this.clients.delete(oldest);
      }
      client = new HttpClient({ baseUrl: origin });
      this.clients.set(origin, client);
    }
    return client;
  }
}
