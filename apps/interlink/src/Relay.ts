import { createHttpService, type HttpService } from '@interlink/http-kit';
import type { Logger } from '@interlink/logging';
import { createRelayAuthenticator } from './auth/RelayAuthenticator';
import { JobScriptBuilderClient } from './builder/JobScriptBuilderClient';
import type { RelaySettings } from './config/RelaySettings';
import { PluginClient } from './plugin/PluginClient';
import { RelayMetrics } from './RelayMetrics';
import { registerRelayRoutes } from './routes/RelayRoutes';
import { StatusBatcher } from './status/StatusBatcher';
import { StatusCache } from './status/StatusCache';

export interface Relay {
  readonly service: HttpService;
  readonly plugin: PluginClient;
  readonly cache: StatusCache;
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

/** Wire the relay together (not started). Used by main.ts, the tests and the benchmark. */
export function createRelay(settings: RelaySettings, logger: Logger, version: string): Relay {
  const authenticate = createRelayAuthenticator(settings.auth, logger);
  const service = createHttpService({
    name: 'interlink',
    listen: settings.listen,
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.socketMode !== undefined ? { socketMode: settings.socketMode } : {}),
    ...(settings.metricsListen ? { metricsListen: settings.metricsListen } : {}),
    bodyLimitBytes: settings.bodyLimitBytes,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    logger,
    ...(authenticate ? { authenticate } : {}),
  });
  const plugin = new PluginClient({
    url: settings.pluginUrl,
    ...(settings.pluginTls ? { tls: settings.pluginTls } : {}),
    ...(settings.pluginTokenFile ? { tokenFile: settings.pluginTokenFile } : {}),
    timeouts: settings.timeouts,
  });
  const cache = new StatusCache({ maxEntries: settings.statusCacheMaxEntries, ttlMs: settings.statusCacheTtlMs });
  const metrics = new RelayMetrics(service.registry, () => cache.size);
  const batcher = new StatusBatcher(
    plugin,
    cache,
    { batchSize: settings.statusBatchSize, maxParallelCalls: settings.statusMaxParallelCalls, freshMs: settings.statusCacheFreshMs },
    metrics,
  );
  const builder = new JobScriptBuilderClient(settings.timeouts.builderMs);
  registerRelayRoutes(service, { plugin, cache, batcher, builder, metrics, jobConfig: settings.jobConfig, version });

  let sweeper: NodeJS.Timeout | undefined;
  return {
    service,
    plugin,
    cache,
    async start() {
      await service.start();
      sweeper = setInterval(() => cache.sweep(), 60_000).unref();
      logger.info('relay ready', { listen: service.url, plugin: settings.pluginUrl, auth: describeAuth(settings), logLevel: logger.level });
    },
    async stop(timeoutMs?: number) {
      clearInterval(sweeper);
      await service.stop(timeoutMs);
      plugin.close();
      builder.close();
    },
  };
}

function describeAuth(settings: RelaySettings): string[] {
  const a = settings.auth;
  const out: string[] = [];
  if (a.mutualTls) out.push('mtls');
  if (a.tokenFile) out.push('token-file');
  if (a.jwksFile || a.jwksUrl) out.push('jwt');
  if (a.trustForwardedHeaders) out.push('forwarded-headers');
  return out.length ? out : ['none'];
}
