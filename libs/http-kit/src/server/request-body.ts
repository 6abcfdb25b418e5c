import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error';
import { jsonNestingDepth } from './json-depth';

export interface BodyParsers {
  json: RequestHandler;
  raw: RequestHandler;
}

/** Where the JSON parser's verify hook leaves the raw bytes, so body() after json() still works. */
export const RAW_BODY = Symbol('interlink.rawBody');
type WithRawBody = IncomingMessage & { [RAW_BODY]?: Buffer; body?: unknown };

/**
 * body-parser middlewares run on demand by the request context. Every content type is parsed
 * (Go clients do not always label their JSON) on every method (GET and DELETE carry bodies in
 * the interLink API); the nesting depth is checked on the bytes before JSON.parse.
 */
export function createBodyParsers(limitBytes: number, depthLimit: number): BodyParsers {
  const anyType = (): boolean => true;
  // Every interLink body is JSON, raw reads included (the relay decodes the bytes itself): the
  // depth check guards both.
  const verify = (req: IncomingMessage, _res: ServerResponse, buf: Buffer): void => {
    (req as WithRawBody)[RAW_BODY] = buf;
    if (jsonNestingDepth(buf, depthLimit) > depthLimit) {
      throw new HttpError(400, `JSON body nested deeper than ${depthLimit} levels of arrays/objects`, { limit: depthLimit });
    }
  };
  return {
    json: express.json({ type: anyType, limit: limitBytes, strict: false, verify }),
    raw: express.raw({ type: anyType, limit: limitBytes, verify }),
  };
}

/** JSON from bytes already read raw (and depth-checked); empty → undefined. */
export function parseJsonBytes(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON body: ${(err as Error).message}`);
  }
}

/** Run one body-parser middleware now and settle when it is done. */
export function runParser(parser: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req as express.Request, res as express.Response, (err?: unknown) => (err ? reject(toBodyError(err)) : resolve()));
  });
}

interface ParserError {
  type?: string;
  status?: number;
  message: string;
  length?: number;
  limit?: number;
}

/** body-parser's typed errors as the JSON errors the services answer with. */
export function toBodyError(err: unknown): HttpError | unknown {
  if (err instanceof HttpError) return err;
  const e = err as ParserError;
  switch (e?.type) {
    case 'entity.too.large':
      return new HttpError(
        413,
        e.length !== undefined
          ? `request body of ${e.length} bytes exceeds the limit of ${e.limit} bytes`
          : `request body exceeds the limit of ${e.limit} bytes`,
      );
    case 'entity.parse.failed':
      return new HttpError(400, `malformed JSON body: ${e.message}`);
    case 'request.aborted':
      return new HttpError(400, 'client closed the connection before the body was complete');
    default:
      return httpErrorFromStatus(err) ?? err;
  }
}

/** Errors from express and its parsers carrying a deliberate 4xx (`status`/`statusCode`, `expose`). */
export function httpErrorFromStatus(err: unknown): HttpError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; message?: unknown } | undefined;
  const status = Number(e?.status ?? e?.statusCode);
  if (!Number.isInteger(status) || status < 400 || status > 499) return undefined;
  return new HttpError(status, typeof e?.message === 'string' ? e.message : `HTTP ${status}`);
}
