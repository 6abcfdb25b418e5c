import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error';
import { httpErrorFromStatus } from './request-body';
import { contextOf } from './request-lifecycle';
import type { HttpRequestContext } from './request-context';
import type { Authenticator, RouteHandler, RouteOptions } from './types';

export interface ServedRoute {
  path: string;
  handler: RouteHandler;
  options: RouteOptions;
}

/** The express handler of one route: method check, authentication, the handler, completion. */
export function serveRoute(route: ServedRoute, authenticate: Authenticator | undefined) {
  const { handler, options } = route;
  const label = options.label ?? route.path;
  const methods = options.methods;
  const needsAuth = authenticate !== undefined && options.auth !== false;
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = contextOf(req);
    ctx.routeLabel = label;
    ctx.quiet = options.auth === false;
    if (methods && !methods.includes(ctx.method)) {
      res.setHeader('Allow', methods.join(', '));
      throw new HttpError(405, `method ${ctx.method} not allowed on ${ctx.path} (allowed: ${methods.join(', ')})`);
    }
    if (needsAuth) {
      const result = await authenticate(req);
      if (!result.ok) {
        if (result.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
        for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
        throw new HttpError(result.status, result.message);
      }
      ctx.principal = result.principal;
    }
    await handler(ctx);
    if (!res.headersSent) throw new HttpError(500, `handler for ${ctx.path} produced no response`);
    if (!res.writableEnded) res.end();
  };
}

/**
 * The one error middleware: HttpError (and express's/body-parser's 4xx errors) become the
 * service's error body; anything else is a 500 naming the failure. 413 closes the connection
 * (the rest of an oversized body is not worth reading).
 */
export function handleErrors(format: 'json' | 'text') {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const ctx = contextOf(req);
    if (res.headersSent) {
      // The status line is gone; cutting the connection is the only honest signal left.
      ctx.logger.warn('error after response started', { err, path: ctx.path });
      res.destroy();
      return;
    }
    const httpError = err instanceof HttpError ? err : httpErrorFromStatus(err);
    if (httpError) {
      if (httpError.status === 413) res.setHeader('Connection', 'close');
      sendError(ctx, format, httpError);
      return;
    }
    if (ctx.signal.aborted) return; // client gone: nobody to answer
    ctx.logger.error('handler failed', { err, path: ctx.path });
    sendError(ctx, format, new HttpError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`));
  };
}

function sendError(ctx: HttpRequestContext, format: 'json' | 'text', err: HttpError): void {
  if (format === 'text') ctx.send(err.status, err.message.endsWith('\n') ? err.message : `${err.message}\n`);
  else ctx.sendError(err.status, err.message, err.details);
}
