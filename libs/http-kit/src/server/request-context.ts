import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@interlink/logging';
import { HttpError } from './http-error';
import { SESSION_HEADER } from '../session';
import type { RequestContext } from './types';

/** Concrete RequestContext; the service owns its lifecycle. */
export class HttpRequestContext implements RequestContext {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly logFields: Record<string, unknown> = {};
  principal: string | undefined;
  private bodyPromise: Promise<Buffer> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly sessionId: string,
    private readonly abort: LazyAbort,
    readonly logger: Logger,
    private readonly bodyLimitBytes: number,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    this.path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    this.query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  body(): Promise<Buffer> {
    this.bodyPromise ??= readBody(this.req, this.bodyLimitBytes);
    return this.bodyPromise;
  }

  async json(): Promise<unknown> {
    const buf = await this.body();
    if (buf.length === 0) return undefined;
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `malformed JSON body: ${(err as Error).message}`);
    }
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

/** Read a body up to `limit` bytes; 413 beyond (checked on Content-Length first, then on data). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // drain so the 413 can still be delivered on this connection
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(new HttpError(400, `request body could not be read: ${err.message}`));
    });
    req.on('close', () => {
      if (done) return;
      done = true;
      reject(new HttpError(400, 'client closed the connection before the body was complete'));
    });
  });
}

export { SESSION_HEADER };
