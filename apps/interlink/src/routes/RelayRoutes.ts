import { relayOpenApi, RelayPaths } from '@interlink/api';
import { HttpError, type HttpService, type RouteHandler } from '@interlink/http-kit';
import { createRoute } from './createRoute';
import { deleteRoute, updateCacheRoute } from './deleteRoute';
import { logsRoute } from './logsRoute';
import { pingRoute, readyRoute } from './pingRoute';
import type { RelayDeps } from './RelayDeps';
import { statusRoute } from './statusRoute';
import { updateVolumesRoute } from './updateVolumesRoute';
import { listPodsRoute } from './listPodsRoute';

/**
 * The hop-1 API. Every path accepts any method, as upstream (node controllers send GET and
 * DELETE with bodies; older tooling uses POST everywhere).
 */
export function registerRelayRoutes(service: HttpService, deps: RelayDeps): void {
  const counted =
    (endpoint: string, handler: RouteHandler): RouteHandler =>
    async (ctx) => {
      try {
        await handler(ctx);
      } catch (err) {
        if (
          err instanceof HttpError &&
          (err.details?.['origin'] === 'plugin' || err.details?.['plugin'] !== undefined)
        ) {
          deps.metrics.pluginError(endpoint, err.status, err.details?.['origin']);
          ctx.logFields['pluginError'] = err.message;
        }
        throw err;
      }
    };
  service
    .route(RelayPaths.create, counted('create', createRoute(deps)))
    .route(RelayPaths.status, counted('status', statusRoute(deps)))
    .route(RelayPaths.delete, counted('delete', deleteRoute(deps)))
    .route(RelayPaths.logs, counted('getLogs', logsRoute(deps)))
    .route(RelayPaths.ping, counted('ping', pingRoute(deps)))
    .route(RelayPaths.updateCache, updateCacheRoute(deps))
    .route(RelayPaths.updateVolumes, counted('updateVolumes', updateVolumesRoute(deps)))
    .route(RelayPaths.listPods, counted('listPods', listPodsRoute(deps)));

  const openapi = JSON.stringify(relayOpenApi(deps.version));
  // Authenticated like the API it describes (issue 15); /readyz stays open for probes.
  service.route('/openapi.json', (ctx) => ctx.send(200, openapi, 'application/json'), { methods: ['GET', 'HEAD'] });
  service.route('/readyz', readyRoute(deps), { auth: false, methods: ['GET', 'HEAD'] });
}
