import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@interlink/logging';
import { RAW_BODY, parseJsonBytes, runParser, type BodyParsers } from './request-body';
import type { RequestContext } from './types';

type ParsedRequest = IncomingMessage & { body?: unknown; params?: Record<string, string>; [RAW_BODY]?: Buffer };

/** RequestContext as glue over express's req/res: bodies come from body-parser, run when asked for. */
export class HttpRequestContext implements RequestContext {
  readonly method: string;
  readonly path: string;
  readonly logFields: Record<string, unknown> = {};
  principal: string | undefined;
  /** Metric label of the matched route (set by the router). */
  routeLabel = 'unmatched';
  /** Access-log line at debug level (anonymous probe routes such as /healthz). */
  quiet = false;
  private readonly rawQuery: string;
  private parsedQuery: URLSearchParams | undefined;
  private bodyRead: Promise<void> | undefined;
  private bodyKind: 'json' | 'raw' | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly sessionId: string,
    private readonly abort: LazyAbort,
    readonly logger: Logger,
    private readonly parsers: BodyParsers,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    this.path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    this.rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
  }

  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.rawQuery);
    return this.parsedQuery;
  }

  get params(): Readonly<Record<string, string>> {
    return (this.req as ParsedRequest).params ?? {};
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async body(): Promise<Buffer> {
    await this.read(this.bodyKind ?? 'raw');
    // Set by the parsers' verify hook; absent when the request had no body at all.
    return (this.req as ParsedRequest)[RAW_BODY] ?? Buffer.alloc(0);
  }

  async json(): Promise<unknown> {
    // Raw bytes were read first (and depth-checked): parse those.
    if (this.bodyKind === 'raw') return parseJsonBytes(await this.body());
    await this.read('json');
    const req = this.req as ParsedRequest;
    // body-parser turns an empty body into {}; Go's decoder sees EOF: report "no body".
    return (req[RAW_BODY]?.length ?? 0) === 0 ? undefined : req.body;
  }

  private read(kind: 'json' | 'raw'): Promise<void> {
    if (!this.bodyRead) {
      this.bodyKind = kind;
      this.bodyRead = runParser(this.parsers[kind], this.req, this.res);
    }
    return this.bodyRead;
  }

  send(status: number, body: string | Buffer, contentType?: string): void {
    if (this.res.headersSent) {
      this.res.end();
      return;
    }
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.res.statusCode = status;
    this.res.setHeader('Content-Type', contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream'));
    this.res.setHeader('Content-Length', payload.length);
    this.res.end(payload);
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value ?? null), 'application/json');
  }

  sendError(status: number, message: string, details?: Record<string, unknown>): void {
    this.sendJson(status, { error: message, ...details, sessionId: this.sessionId });
  }
}

/**
 * An AbortController created only when a handler asks for the signal: most requests never do,
 * and constructing one per request shows up in profiles.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
