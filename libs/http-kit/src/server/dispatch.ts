import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@interlink/logging';
import { HttpError } from './http-error';
import { HttpRequestContext, LazyAbort } from './request-context';
import type { RequestMetrics } from './metrics';
import type { Authenticator, RouteHandler, RouteOptions } from './types';
import { SESSION_HEADER, newSessionId } from '../session';

export interface Route {
  handler: RouteHandler;
  options: RouteOptions;
}

export interface DispatchDeps {
  routes: Map<string, Route>;
  logger: Logger;
  metrics: RequestMetrics;
  bodyLimitBytes: number;
  authenticate: Authenticator | undefined;
  /** Live requests' abort handles, so shutdown can cancel stragglers. */
  live: Set<LazyAbort>;
}

// Session ids are echoed into headers and logs: keep them printable and bounded.
const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** Serve one request: route, authenticate, run the handler, map errors, log and count. */
export async function dispatch(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const incoming = req.headers[SESSION_HEADER.toLowerCase()];
  const sessionId = typeof incoming === 'string' && SESSION_ID_PATTERN.test(incoming) ? incoming : newSessionId();
  res.setHeader(SESSION_HEADER, sessionId);

  const abort = new LazyAbort();
  deps.live.add(abort);
  res.once('close', () => {
    deps.live.delete(abort);
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  });

  const logger = deps.logger.child({ sessionId });
  const ctx = new HttpRequestContext(req, res, sessionId, abort, logger, deps.bodyLimitBytes);
  const route = deps.routes.get(ctx.path);
  const label = route ? (route.options.label ?? ctx.path) : 'unmatched';
  deps.metrics.started();
  res.once('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = res.statusCode;
    deps.metrics.finished(label, ctx.method, status, seconds);
    const fields = {
      method: ctx.method,
      path: ctx.path,
      status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(ctx.principal ? { principal: ctx.principal } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
      ...ctx.logFields,
    };
    if (route?.options.auth === false) logger.debug('request', fields);
    else if (status >= 500) logger.warn('request', fields);
    else logger.info('request', fields);
  });

  try {
    if (!route) throw new HttpError(404, `no such endpoint: ${ctx.path}`);
    const methods = route.options.methods;
    if (methods && !methods.includes(ctx.method)) {
      res.setHeader('Allow', methods.join(', '));
      throw new HttpError(405, `method ${ctx.method} not allowed on ${ctx.path} (allowed: ${methods.join(', ')})`);
    }
    if (deps.authenticate && route.options.auth !== false) {
      const result = await deps.authenticate(req);
      if (!result.ok) {
        if (result.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
        throw new HttpError(result.status, result.message);
      }
      ctx.principal = result.principal;
    }
    await route.handler(ctx);
    if (!res.headersSent) ctx.sendError(500, `handler for ${ctx.path} produced no response`);
    else if (!res.writableEnded) res.end();
  } catch (err) {
    failRequest(ctx, err);
  }
}

function failRequest(ctx: HttpRequestContext, err: unknown): void {
  const { res } = ctx;
  if (res.headersSent) {
    // The status line is gone; cutting the connection is the only honest signal left.
    ctx.logger.warn('error after response started', { err, path: ctx.path });
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    if (err.status === 413) res.setHeader('Connection', 'close');
    ctx.sendError(err.status, err.message, err.details);
    return;
  }
  if (ctx.signal.aborted) return; // client gone: nobody to answer
  ctx.logger.error('handler failed', { err, path: ctx.path });
  ctx.sendError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}
