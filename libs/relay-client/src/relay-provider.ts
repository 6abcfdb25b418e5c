import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import {
  CreateStructCodec,
  PingResponseCodec,
  POD_NOT_FOUND_REASON,
  RemotePodListCodec,
  RelayPaths,
  SESSION_HEADER,
  type CreateStruct,
  type LogStruct,
  type PodCreateRequests,
  type PodStatus,
  type RemotePod,
} from '@interlink/api';
import {
  HttpClient,
  readAtMost,
  type ClientRequestOptions,
  type ClientTlsOptions,
  type StreamedResponse,
} from '@interlink/http-kit';
import type { Logger } from '@interlink/logging';
import type { CallOptions, PingResult, Provider, VolumeUpdateResult } from './provider';
import { RelayError, type RelayOp } from './relay-error';
import { clientFailure, httpFailure, protocolFailure, reasonOf, tokenFailure } from './relay-failures';
import { relayBaseUrl } from './relay-url';
import { relaySessionId } from './session-id';
import { PodArrayEncoder, PodStatusDecoder, withoutManagedFields } from './status-poll-codec';

export interface RelayProviderOptions {
  /** `InterlinkURL`: `http://host`, `https://host` or `unix:///path`. */
  interlinkUrl: string;
  /** `InterlinkPort`, appended to http(s) URLs. */
  interlinkPort?: string | number;
  /** `VKTokenFile`: bearer token file, re-read (and trimmed) on every request. */
  tokenFile?: string;
  /** `HTTP.CaCert` / `TLS.CACertFile` (PEM or DER), `HTTP.Insecure`, `TLS.CertFile`/`TLS.KeyFile`. */
  tls?: ClientTlsOptions;
  /** Pods per `/status` request; larger nodes are split into several requests. Default 500. */
  statusChunkSize?: number;
  /** Concurrent `/status` requests for one batch. Default 4. */
  statusConcurrency?: number;
  /** Time to wait for response headers, per operation (ms). */
  timeouts?: Partial<Record<RelayOp, number>>;
  connectTimeoutMs?: number;
  logger?: Logger;
  /** Called after every relay call, for metrics. */
  onCall?: (op: RelayOp, seconds: number, outcome: 'ok' | RelayError['kind']) => void;
}

const DEFAULT_TIMEOUTS: Record<RelayOp, number> = {
  CreatePod: 120_000,
  DeletePod: 120_000,
  GetStatus: 60_000,
  PingInterLink: 15_000,
  GetLogs: 120_000,
  UpdateCache: 30_000,
  UpdateVolumes: 60_000,
  ListPods: 60_000,
};
const MAX_ERROR_BODY = 64 * 1024;

/** Hop-1 client: speaks exactly what upstream's relay (and ours) expects. */
export class RelayProvider implements Provider {
  readonly baseUrl: string;
  private readonly http: HttpClient;
  private readonly podArrays = new PodArrayEncoder();
  private readonly statuses = new PodStatusDecoder();
  private readonly timeouts: Record<RelayOp, number>;

  constructor(private readonly options: RelayProviderOptions) {
    this.baseUrl = relayBaseUrl(options.interlinkUrl, options.interlinkPort);
    this.http = new HttpClient({
      baseUrl: this.baseUrl,
      tls: options.tls,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    });
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  close(): void {
    this.http.close();
  }

  async create(request: PodCreateRequests, options: CallOptions = {}): Promise<CreateStruct> {
    const body = await this.call('CreatePod', 'POST', RelayPaths.create, request, options);
    return this.decode('CreatePod', body, options, (text) => CreateStructCodec.parse(text));
  }

  async updateVolumes(request: PodCreateRequests, options: CallOptions = {}): Promise<VolumeUpdateResult> {
    try {
      await this.call('UpdateVolumes', 'POST', RelayPaths.updateVolumes, request, options);
      return 'updated';
    } catch (err) {
      if (!(err instanceof RelayError) || err.kind !== 'http') throw err;
      if (err.status === 404 && reasonOf(err.body) === POD_NOT_FOUND_REASON) return 'pod-not-found';
      // Upstream relays answer unknown paths 404 (or 405); ours relays a plugin's plain 404.
      if (err.status === 404 || err.status === 405 || err.status === 501) return 'unsupported';
      throw err;
    }
  }

  async listPods(options: CallOptions = {}): Promise<RemotePod[] | 'unsupported'> {
    const sessionId = options.sessionId ?? relaySessionId('ListPods');
    let body: string;
    try {
      body = await this.call('ListPods', 'GET', RelayPaths.listPods, undefined, { ...options, sessionId });
    } catch (err) {
      if (!(err instanceof RelayError) || err.kind !== 'http') throw err;
      // Upstream relays answer unknown paths 404 (or 405); ours relays a plugin's 404.
      if (err.status === 404 || err.status === 405 || err.status === 501) return 'unsupported';
      throw err;
    }
    return this.decode('ListPods', body, { ...options, sessionId }, (text) => RemotePodListCodec.parse(text));
  }

  async delete(pod: V1Pod, options: CallOptions = {}): Promise<void> {
    await this.call('DeletePod', 'DELETE', RelayPaths.delete, withoutManagedFields(pod), options);
  }

  async status(pods: V1Pod[], options: CallOptions = {}): Promise<PodStatus[]> {
    if (pods.length === 0) return [];
    const size = Math.max(1, this.options.statusChunkSize ?? 500);
    const chunks: V1Pod[][] = [];
    for (let i = 0; i < pods.length; i += size) chunks.push(pods.slice(i, i + size));
    const results: PodStatus[][] = new Array(chunks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const index = next++;
        results[index] = await this.statusChunk(chunks[index] ?? [], options);
      }
    };
    const concurrency = Math.min(chunks.length, Math.max(1, this.options.statusConcurrency ?? 4));
    await Promise.all(Array.from({ length: concurrency }, worker));
    return results.flat();
  }

  async logs(request: LogStruct, options: CallOptions = {}): Promise<Readable> {
    const call = { ...options, sessionId: options.sessionId ?? relaySessionId('GetLogs') };
    const started = process.hrtime.bigint();
    let res: StreamedResponse;
    try {
      res = await this.http.stream(await this.requestOptions('GetLogs', 'GET', RelayPaths.logs, request, call));
    } catch (err) {
      throw this.failed('GetLogs', err, call.sessionId, started);
    }
    if (res.status !== 200) {
      // The status code is what matters; a truncated body is still worth showing.
      const body = (await readAtMost(res.stream, MAX_ERROR_BODY)).toString('utf8');
      throw this.httpError('GetLogs', res.status, body, call.sessionId, started);
    }
    this.record('GetLogs', started, 'ok');
    return res.stream;
  }

  async ping(options: CallOptions = {}): Promise<PingResult> {
    const sessionId = options.sessionId ?? relaySessionId('PingInterLink');
    const body = await this.call('PingInterLink', 'POST', RelayPaths.ping, undefined, {
      ...options,
      sessionId,
    });
    const result: PingResult = { body, sessionId };
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const decoded = PingResponseCodec.safeDecode(parsed);
        if (decoded.ok) result.response = decoded.value;
        else
          this.options.logger?.warn('ping answer is not a valid PingResponse; resources and taints ignored', {
            sessionId,
            problem: decoded.error.message,
          });
      }
    } catch {
      // Legacy plugins answer text; a 200 is still a successful ping.
    }
    return result;
  }

  private async statusChunk(pods: V1Pod[], options: CallOptions): Promise<PodStatus[]> {
    const sessionId = options.sessionId ?? relaySessionId('GetStatus');
    const json = new EncodedJson(this.podArrays.encode(pods));
    const body = await this.callBytes('GetStatus', 'GET', RelayPaths.status, json, { ...options, sessionId });
    // The same pods asked again (a node's steady poll) are recognised by their first UID and count.
    const key = `${pods[0]?.metadata?.uid ?? ''}/${pods.length}`;
    return this.decode('GetStatus', body, { ...options, sessionId }, (bytes) =>
      this.statuses.decodeAnswer(key, bytes, (index, problem) =>
        this.options.logger?.warn('ignoring malformed PodStatus in /status answer', {
          sessionId,
          index,
          problem,
        }),
      ),
    );
  }

  private decode<B extends string | Buffer, T>(op: RelayOp, body: B, options: CallOptions, decode: (body: B) => T): T {
    try {
      return decode(body);
    } catch (err) {
      throw protocolFailure({ op, sessionId: options.sessionId ?? '' }, body, err);
    }
  }

  /** One buffered call; resolves with the body text of a 200 answer. */
  private async call(
    op: RelayOp,
    method: string,
    path: string,
    json: unknown,
    options: CallOptions,
  ): Promise<string> {
    return (await this.callBytes(op, method, path, json, options)).toString('utf8');
  }

  /** One buffered call; resolves with the body bytes of a 200 answer. */
  private async callBytes(
    op: RelayOp,
    method: string,
    path: string,
    json: unknown,
    options: CallOptions,
  ): Promise<Buffer> {
    const call = { ...options, sessionId: options.sessionId ?? relaySessionId(op) };
    const started = process.hrtime.bigint();
    let res;
    try {
      res = await this.http.request(await this.requestOptions(op, method, path, json, call));
    } catch (err) {
      throw this.failed(op, err, call.sessionId, started);
    }
    if (res.status !== 200) throw this.httpError(op, res.status, res.text().slice(0, MAX_ERROR_BODY), call.sessionId, started);
    this.record(op, started, 'ok');
    return res.body;
  }

  /** Headers (session id, bearer token) and body of one relay call. */
  private async requestOptions(
    op: RelayOp,
    method: string,
    path: string,
    json: unknown,
    options: CallOptions & { sessionId: string },
  ): Promise<ClientRequestOptions> {
    const headers: Record<string, string> = { [SESSION_HEADER]: options.sessionId };
    if (json instanceof EncodedJson) headers['Content-Type'] = 'application/json';
    const token = await this.readToken(op, options.sessionId);
    if (token !== undefined && (token !== '' || op === 'PingInterLink')) headers['Authorization'] = `Bearer ${token}`;
    return {
      method,
      path,
      ...(json === undefined ? {} : json instanceof EncodedJson ? { body: json.bytes } : { json }),
      headers,
      timeoutMs: this.timeouts[op],
      signal: options.signal,
      retryOnStaleSocket: true,
    };
  }

  private failed(op: RelayOp, err: unknown, sessionId: string, started: bigint): RelayError {
    const e = clientFailure({ op, sessionId, baseUrl: this.baseUrl }, err);
    this.record(op, started, e.kind);
    return e;
  }

  private async readToken(op: RelayOp, sessionId: string): Promise<string | undefined> {
    const file = this.options.tokenFile;
    if (!file) return undefined;
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw tokenFailure({ op, sessionId }, file, err);
    }
  }

  private httpError(op: RelayOp, status: number, body: string, sessionId: string, started: bigint): RelayError {
    this.record(op, started, 'http');
    return httpFailure({ op, sessionId, baseUrl: this.baseUrl }, status, body);
  }

  private record(op: RelayOp, started: bigint, outcome: 'ok' | RelayError['kind']): void {
    this.options.onCall?.(op, Number(process.hrtime.bigint() - started) / 1e9, outcome);
  }
}

/** A body already serialised to JSON text. */
class EncodedJson {
  constructor(readonly bytes: readonly Buffer[]) {}
}
