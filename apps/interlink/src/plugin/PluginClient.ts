import { readFile } from 'node:fs/promises';
import {
  HttpClient,
  type BufferedResponse,
  type ClientTlsOptions,
  type StreamedResponse,
} from '@interlink/http-kit';
import { PluginPaths, SESSION_HEADER, type LogStruct, type RetrievedPodData } from '@interlink/api';
import type { V1Pod } from '@kubernetes/client-node';
import type { PluginTimeouts } from '../config/RelaySettings';
import { pluginFailure } from './pluginErrors';

export interface PluginClientOptions {
  url: string;
  tls?: ClientTlsOptions;
  /** Bearer token file sent to the plugin (re-read per call so rotation needs no restart). */
  tokenFile?: string;
  timeouts: PluginTimeouts;
}

export interface CallOptions {
  sessionId: string;
  signal?: AbortSignal;
}

/**
 * Hop 2 (relay → plugin) with the methods existing plugins expect: POST /create, GET /status
 * with a body (`[]` is the ping), POST /delete, GET /getLogs. Transport failures are turned into
 * HttpErrors (503 unreachable, 504 timeout, 502 broken) that name the plugin and the endpoint.
 */
export class PluginClient {
  private readonly http: HttpClient;

  constructor(private readonly options: PluginClientOptions) {
    this.http = new HttpClient({
      baseUrl: options.url,
      ...(options.tls ? { tls: options.tls } : {}),
      connectTimeoutMs: 90_000,
      idleTimeoutMs: 120_000,
    });
  }

  get url(): string {
    return this.options.url;
  }

  create(body: RetrievedPodData, call: CallOptions): Promise<BufferedResponse> {
    return this.send('POST', PluginPaths.create, JSON.stringify(body), this.options.timeouts.createMs, call);
  }

  updateVolumes(body: RetrievedPodData, call: CallOptions): Promise<BufferedResponse> {
    return this.send(
      'POST',
      PluginPaths.updateVolumes,
      JSON.stringify(body),
      this.options.timeouts.createMs,
      call,
    );
  }

  /** Extension: the plugin's pods (an upstream plugin answers 404). */
  listPods(call: CallOptions): Promise<BufferedResponse> {
    return this.send('GET', PluginPaths.listPods, '', this.options.timeouts.statusMs, call);
  }

  status(pods: V1Pod[], call: CallOptions): Promise<BufferedResponse> {
    return this.send('GET', PluginPaths.status, JSON.stringify(pods), this.options.timeouts.statusMs, call);
  }

  ping(call: CallOptions): Promise<BufferedResponse> {
    return this.send('GET', PluginPaths.status, '[]', this.options.timeouts.pingMs, call);
  }

  /** Forwards the caller's original bytes (upstream does the same). */
  delete(rawPod: Buffer, call: CallOptions): Promise<BufferedResponse> {
    return this.send('POST', PluginPaths.delete, rawPod, this.options.timeouts.deleteMs, call);
  }

  async logs(req: LogStruct, call: CallOptions): Promise<StreamedResponse> {
    try {
      return await this.http.stream({
        method: 'GET',
        path: PluginPaths.logs,
        body: JSON.stringify(req),
        headers: await this.headers(call.sessionId),
        timeoutMs: this.options.timeouts.logsMs,
        ...(call.signal ? { signal: call.signal } : {}),
      });
    } catch (err) {
      throw pluginFailure(err, PluginPaths.logs, this.options.url);
    }
  }

  close(): void {
    this.http.close();
  }

  private async send(
    method: string,
    path: string,
    body: string | Buffer,
    timeoutMs: number,
    call: CallOptions,
  ): Promise<BufferedResponse> {
    try {
      return await this.http.request({
        method,
        path,
        body,
        headers: await this.headers(call.sessionId),
        timeoutMs,
        ...(call.signal ? { signal: call.signal } : {}),
      });
    } catch (err) {
      throw pluginFailure(err, path, this.options.url);
    }
  }

  private async headers(sessionId: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      [SESSION_HEADER]: sessionId,
    };
    if (this.options.tokenFile) {
      const token = (
        await readFile(this.options.tokenFile, 'utf8').catch((err: Error) => {
          throw pluginFailure(
            new Error(`cannot read SidecarTokenFile ${this.options.tokenFile}: ${err.message}`),
            'token',
            this.options.url,
          );
        })
      ).trim();
      if (token) headers['Authorization'] = `Bearer ${token}`;
    }
    return headers;
  }
}
