import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { RequestMetrics } from './metrics';
import { createBodyParsers } from './request-body';
import type { LazyAbort } from './request-context';
import { notFound, rejectMalformedPath, requestLifecycle } from './request-lifecycle';
import { handleErrors, serveRoute } from './route-handling';
import type { Authenticator, HttpServiceOptions, RouteHandler, RouteOptions } from './types';

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
const DEFAULT_JSON_DEPTH_LIMIT = 1000;

/**
 * express's Router (routing, body parsers, middleware) mounted directly on node's http/https
 * server, not an `express()` application: the application object doubled the relay's CPU per
 * request (572 vs 283 µs in apps/interlink/bench/relay-bench.ts, 2026-12-07), while the Router
 * alone costs what plain node does (75 vs 77 µs; libs/http-kit/bench/express-overhead.cjs).
 */
export interface ServiceApp {
  /** The request listener for node's http/https server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  addRoute(path: string, handler: RouteHandler, options: RouteOptions): void;
}

export interface ServiceAppDeps {
  options: HttpServiceOptions;
  metrics: RequestMetrics;
  registry: Registry;
  live: Set<LazyAbort>;
}

/**
 * One express router per service: lifecycle (session, log, metrics) → path check → the
 * service's routes → built-in /healthz and /metrics → 404 → the error middleware.
 *
 * The router is mounted on node's server directly, not through an express() application: the
 * application re-prototypes every req/res (Object.setPrototypeOf), which measured ~120 µs of CPU
 * per request on this machine (200 vs 77 µs for a trivial route; the bare router: 75 µs), more
 * than the whole relay budget per /status. No handler uses express's req/res helpers.
 */
export function createServiceApp(deps: ServiceAppDeps): ServiceApp {
  const { options } = deps;
  const app = Router({ caseSensitive: true });
  const parsers = createBodyParsers(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT, options.jsonDepthLimit ?? DEFAULT_JSON_DEPTH_LIMIT);
  app.use(requestLifecycle({ logger: options.logger, metrics: deps.metrics, parsers, live: deps.live, discardBodies: options.discardBodies === true }));
  app.use(rejectMalformedPath);
  const routes = Router({ caseSensitive: true });
  app.use(routes);
  app.use(builtinRoutes(options.name, deps.registry, options.authenticate));
  app.use(notFound);
  app.use(handleErrors(options.errorFormat ?? 'json'));
  const unhandled = (err?: unknown): void => {
    // handleErrors answers every error; reaching this means it threw itself.
    if (err) options.logger.error('unhandled request error', { err });
  };
  return {
    handle: (req, res) => app(req as Request, res as Response, unhandled),
    addRoute(path, handler, routeOptions) {
      routes.all(path, serveRoute({ path, handler, options: routeOptions }, options.authenticate));
    },
  };
}

/** /healthz stays anonymous (probes); /metrics needs what every other route needs. */
function builtinRoutes(name: string, registry: Registry, authenticate: Authenticator | undefined): Router {
  const router = Router({ caseSensitive: true });
  router.all(
    '/healthz',
    serveRoute({ path: '/healthz', handler: (ctx) => ctx.sendJson(200, { status: 'ok', service: name }), options: { auth: false } }, authenticate),
  );
  router.all(
    '/metrics',
    serveRoute(
      {
        path: '/metrics',
        handler: async (ctx) => ctx.send(200, await registry.metrics(), registry.contentType),
        options: { methods: ['GET', 'HEAD'] },
      },
      authenticate,
    ),
  );
  return router;
}
