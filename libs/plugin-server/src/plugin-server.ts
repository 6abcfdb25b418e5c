import type { Registry } from 'prom-client';
import { PluginPaths, pluginOpenApi } from '@interlink/api';
import {
  createHttpService,
  type HttpService,
  type RequestContext,
  type Stoppable,
} from '@interlink/http-kit';
import type { Logger } from '@interlink/logging';
import { bearerTokenAuthenticator } from './auth';
import type { PluginBackend } from './backend';
import { toHttpError } from './errors';
import {
  handleCreate,
  handleDelete,
  handleLogs,
  handleStatus,
  handleUpdateVolumes,
  handleListPods,
  type HandlerDeps,
} from './handlers';
import { PluginMetrics, type PluginOperation } from './metrics';
import { TombstoneStore } from './tombstones';

export interface PluginServerOptions {
  backend: PluginBackend;
  /** `http://host:port` or `unix:///path/plugin.sock` (see pluginListenAddress for the upstream keys). */
  listen: string;
  logger: Logger;
  /** When set, every contract route requires `Authorization: Bearer <token>` (not /healthz, /metrics). */
  token?: string;
  /** Max request body (413 beyond). Default http-kit's 32 MiB. */
  bodyLimitBytes?: number;
  /** Service name in logs and metrics. Default `plugin`. */
  name?: string;
  /** Version written into /openapi.json. Default the build version. */
  version?: string;
  /** File mode of the unix socket (e.g. 0o660). */
  socketMode?: number;
  registry?: Registry;
  /**
   * Directory where the UIDs of deleted pods are journaled so a /create arriving after its
   * /delete is refused (409) even across restarts. Without it they are remembered in memory only.
   */
  tombstoneDir?: string;
  /** How many deleted UIDs are remembered. Default 10,000. */
  tombstoneCapacity?: number;
}

export interface PluginServer extends Stoppable {
  readonly service: HttpService;
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
  /** Bound address after start (`http://127.0.0.1:4000`, `unix:///…`). */
  readonly url: string;
  readonly port: number;
}

/**
 * The one HTTP layer every plugin uses: contract routes for any method (GET with bodies),
 * validation with field-named 400s, optional bearer token, session-id logging, /healthz,
 * /metrics and /openapi.json. The backend only runs pods.
 */
export function createPluginServer(options: PluginServerOptions): PluginServer {
  const service = createHttpService({
    name: options.name ?? 'plugin',
    listen: options.listen,
    logger: options.logger,
    ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.socketMode !== undefined ? { socketMode: options.socketMode } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.token ? { authenticate: bearerTokenAuthenticator(options.token) } : {}),
  });
  const deps: HandlerDeps = {
    backend: options.backend,
    metrics: new PluginMetrics(service.registry),
    tombstones: new TombstoneStore({
      dir: options.tombstoneDir,
      capacity: options.tombstoneCapacity,
      logger: options.logger,
    }),
  };
  const version =
    options.version ?? (typeof __INTERLINK_VERSION__ === 'string' ? __INTERLINK_VERSION__ : '0.0.0');
  const openApi = JSON.stringify(pluginOpenApi(version));

  const wrap =
    (
      operation: PluginOperation | ((ctx: RequestContext) => PluginOperation),
      handler: (ctx: RequestContext, deps: HandlerDeps) => Promise<void>,
    ) =>
    async (ctx: RequestContext): Promise<void> => {
      try {
        await handler(ctx, deps);
        deps.metrics.record(typeof operation === 'function' ? operation(ctx) : operation, ctx.res.statusCode);
      } catch (err) {
        const httpError = toHttpError(err);
        deps.metrics.record(typeof operation === 'function' ? operation(ctx) : operation, httpError.status);
        if (httpError.status >= 500) ctx.logger.error('request failed', { err, status: httpError.status });
        throw httpError;
      }
    };

  service
    .route(PluginPaths.create, wrap('create', handleCreate))
    .route(
      PluginPaths.status,
      wrap((ctx) => (ctx.logFields['ping'] ? 'ping' : 'status'), handleStatus),
    )
    .route(PluginPaths.delete, wrap('delete', handleDelete))
    .route(PluginPaths.logs, wrap('logs', handleLogs))
    .route(PluginPaths.updateVolumes, wrap('updateVolumes', handleUpdateVolumes))
    .route(PluginPaths.listPods, wrap('listPods', handleListPods))
    .route('/openapi.json', (ctx) => ctx.send(200, openApi, 'application/json'), { auth: false });

  return {
    service,
    start: () => service.start(),
    stop: (timeoutMs?: number) => service.stop(timeoutMs),
    get url() {
      return service.url;
    },
    get port() {
      return service.port;
    },
  };
}
