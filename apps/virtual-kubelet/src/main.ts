import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, loadConfig } from '@interlink/config';
import { createHttpService, type HttpService } from '@interlink/http-kit';
import { createLogger, levelFromConfig } from '@interlink/logging';
import { buildCli, normalizeGoFlags, type CliOptions } from './cli';
import { checkConfig, runtimeSettings, SettingsError } from './config/runtime-settings';
import { VK_ENV, VkConfigSchema } from './config/vk-config';
import { HeapBudget } from './runtime/heap-budget';
import { VirtualKubelet } from './virtual-kubelet';

async function main(): Promise<void> {
  const version = __INTERLINK_VERSION__;
  const program = buildCli(version);
  program.parse(normalizeGoFlags(process.argv));
  const flags = program.opts<CliOptions>();
  const boot = createLogger({ service: 'virtual-kubelet' });

  let settings;
  let cfg;
  try {
    settings = runtimeSettings(process.env, { nodename: flags.nodename, config: flags.configpath ?? flags.config }, version);
    cfg = loadConfig({ schema: VkConfigSchema, file: settings.configPath, env: VK_ENV, logger: boot });
    checkConfig(cfg);
    // Upstream parses PodIP without using it; here it is the fallback when POD_IP is unset.
    if (!settings.podIP && cfg.PodIP) settings = { ...settings, podIP: cfg.PodIP };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SettingsError) {
      process.stderr.write(`virtual-kubelet: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (flags.checkConfig) {
    process.stdout.write(`${JSON.stringify({ settings, config: cfg }, null, 2)}\n`);
    return;
  }

  const log = createLogger({ service: 'virtual-kubelet', level: levelFromConfig(cfg), fields: { node: settings.nodeName } });
  const kubeConfig = new KubeConfig();
  try {
    if (settings.kubeconfig) kubeConfig.loadFromFile(settings.kubeconfig);
    else kubeConfig.loadFromCluster();
  } catch (err) {
    log.error('cannot load the Kubernetes client configuration', { kubeconfig: settings.kubeconfig ?? '(in-cluster)', error: (err as Error).message });
    process.exit(2);
  }

  // A stray rejection must not take the node down with every pod on it.
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) }));
  const vk = new VirtualKubelet({ cfg, settings, kubeConfig, log });
  const heap = new HeapBudget();
  if (heap.available) heap.start();
  else log.warn('cannot trigger garbage collection from the process; the heap may grow to several times the live data');
  let metricsServer: HttpService | undefined;
  try {
    await vk.start();
    if (cfg.MetricsAddress) {
      metricsServer = createHttpService({ name: 'virtual-kubelet', listen: `http://${cfg.MetricsAddress.replace(/^:/, '0.0.0.0:')}`, logger: log, registry: vk.metrics.registry });
      await metricsServer.start();
      log.info('metrics listening', { url: metricsServer.url });
    }
  } catch (err) {
    log.error('cannot start', { error: (err as Error).message });
    await vk.stop().catch(() => undefined);
    process.exit(1);
  }
  log.info('virtual kubelet running', { version, kubeletPort: settings.kubeletPort, relay: cfg.InterlinkURL });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('shutting down', { signal });
    void Promise.allSettled([vk.stop(), metricsServer?.stop()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`virtual-kubelet: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
