import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@interlink/logging';
import { SESSION_HEADER, newSessionId } from '../session';
import { HttpError } from './http-error';
import type { RequestMetrics } from './metrics';
import type { BodyParsers } from './request-body';
import { HttpRequestContext, LazyAbort } from './request-context';

/** The context express carries for us on the request object. */
const CONTEXT = Symbol('interlink.requestContext');
type WithContext = IncomingMessage & { [CONTEXT]?: HttpRequestContext };

export function contextOf(req: IncomingMessage): HttpRequestContext {
  const ctx = (req as WithContext)[CONTEXT];
  if (!ctx) throw new Error('request context missing: the lifecycle middleware must run first');
  return ctx;
}

export interface LifecycleDeps {
  logger: Logger;
  metrics: RequestMetrics;
  parsers: BodyParsers;
  /** Live requests' abort handles, so shutdown can cancel stragglers. */
  live: Set<LazyAbort>;
  discardBodies: boolean;
}

// Session ids are echoed into headers and logs: keep them printable and bounded.
const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * First middleware of every service: session id (echoed), request context, abort on client
 * disconnect, and on completion one access-log line plus the request metrics.
 */
export function requestLifecycle(deps: LifecycleDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['interlink-http-session'];
    const sessionId = typeof incoming === 'string' && SESSION_ID_PATTERN.test(incoming) ? incoming : newSessionId();
    res.setHeader(SESSION_HEADER, sessionId);
    if (deps.discardBodies) req.resume();

    const abort = new LazyAbort();
    deps.live.add(abort);
    const logger = deps.logger.child({ sessionId });
    const ctx = new HttpRequestContext(req, res, sessionId, abort, logger, deps.parsers);
    (req as WithContext)[CONTEXT] = ctx;
    deps.metrics.started();
    res.once('close', () => {
      deps.live.delete(abort);
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
      finishRequest(ctx, deps.metrics, started);
    });
    next();
  };
}

function finishRequest(ctx: HttpRequestContext, metrics: RequestMetrics, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { res } = ctx;
  const status = res.statusCode;
  metrics.finished(ctx.routeLabel, ctx.method, status, seconds);
  const fields = {
    method: ctx.method,
    path: ctx.path,
    status,
    durationMs: Math.round(seconds * 1e6) / 1e3,
    ...(ctx.principal ? { principal: ctx.principal } : {}),
    ...(res.writableFinished ? {} : { aborted: true }),
    ...ctx.logFields,
  };
  if (ctx.quiet) ctx.logger.debug('request', fields);
  else if (status >= 500) ctx.logger.warn('request', fields);
  else ctx.logger.info('request', fields);
}

/**
 * A path whose percent-encoding does not decode is refused before routing: express would
 * otherwise match it raw, and handlers decoding it themselves fail with "URI malformed".
 */
export function rejectMalformedPath(req: Request, _res: Response, next: NextFunction): void {
  const { path } = contextOf(req);
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      next(new HttpError(400, `malformed percent-encoding in the request path: ${path}`, { field: 'path' }));
      return;
    }
  }
  next();
}

/** Last route: nothing matched. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, `no such endpoint: ${contextOf(req).path}`));
}
