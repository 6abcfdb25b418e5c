import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { RelayProvider, type Provider } from '@interlink/relay-client';
import { clientCaFrom, servingCertsFrom } from './kubelet-certs-from-config';
import { relayProviderFrom } from './relay-provider-from-config';
import type { VkConfig } from './config/vk-config';
import type { RuntimeSettings } from './config/runtime-settings';
import { EventRecorder } from './events/event-recorder';
import type { ServingCertSource } from './kubelet-api/certs/serving-cert';
import { KubeletApiServer } from './kubelet-api/kubelet-api-server';
import { kubeletAuth } from './kubelet-api/kubelet-auth-setup';
import type { ApiAccess } from './kube/api-access';
import { KubeClient, isNotFound } from './kube/kube-client';
import { VkMetrics } from './metrics/vk-metrics';
import { NodeController } from './node/node-controller';
import { NodeRegistrar } from './node/node-registrar';
import { VirtualNodeState } from './node/virtual-node-state';
import { ApiObjectSource, enc } from './pods/api-object-source';
import { OrphanCollector } from './pods/orphan-collector';
import { EnvResolver } from './pods/env/env-resolver';
import { PodController } from './pods/pod-controller';
import { PodCreateAssembler } from './pods/pod-create-assembler';
import { PodCreator } from './pods/pod-creator';
import { PodDeleter } from './pods/pod-deleter';
import { PodStatusWriter } from './pods/pod-status-writer';
import { PodWatcher } from './pods/pod-watcher';
import { isTerminalPhase } from './pods/status/pod-status-mapper';
import { StatusPoller } from './pods/status-poller';
import { ProjectedVolumeResolver } from './pods/volumes/projected-volume-resolver';
import { ServiceAccountTokenIssuer } from './pods/volumes/token-issuer';
import { VolumeRefresher } from './pods/volumes/volume-refresher';

export interface VirtualKubeletDeps {
  cfg: VkConfig;
  settings: RuntimeSettings;
  kubeConfig: KubeConfig;
  log: Logger;
  /** Defaults to a RelayProvider built from the config. */
  provider?: Provider;
  /** Every API permission used, for RBAC reporting. */
  onAccess?: (a: ApiAccess) => void;
}

/** Wires the node controller, pod controller and kubelet API of one virtual node. */
export class VirtualKubelet {
  readonly metrics = new VkMetrics();
  kube!: KubeClient;
  provider!: Provider;
  node!: NodeController;
  pods!: PodController;
  watcher!: PodWatcher;
  poller!: StatusPoller;
  refresher: VolumeRefresher | undefined;
  orphans!: OrphanCollector;
  kubeletApi!: KubeletApiServer;
  certs!: ServingCertSource;
  events!: EventRecorder;
  private phaseTimer: NodeJS.Timeout | undefined;
  private lastPingFailed = false;

  constructor(private readonly deps: VirtualKubeletDeps) {}

  async start(): Promise<void> {
    const { cfg, settings, log } = this.deps;
    this.kube = await KubeClient.create(this.deps.kubeConfig, {
      qps: cfg.KubeAPIQPS,
      burst: cfg.KubeAPIBurst,
      eventQps: cfg.EventQPS,
      eventBurst: cfg.EventBurst,
      userAgent: `interlink-virtual-kubelet/${settings.version} (${settings.nodeName})`,
      onAccess: this.deps.onAccess,
      onRequest: (verb, resource, status) => this.metrics.apiRequest(verb, resource, status),
    });
    this.provider = this.deps.provider ?? relayProviderFrom(this.deps, (op, seconds, outcome) => this.metrics.relayCall(op, seconds, outcome));
    this.events = new EventRecorder(
      this.kube,
      { component: 'interlink-virtual-kubelet', host: settings.nodeName },
      log,
    );

    const state = new VirtualNodeState(
      {
        nodeName: settings.nodeName,
        podIP: settings.podIP,
        kubeletPort: settings.kubeletPort,
        version: settings.version,
      },
      cfg,
    );
    this.node = new NodeController(
      this.kube,
      this.provider,
      state,
      new NodeRegistrar(this.kube, settings.nodeName),
      this.events,
      log.child({ component: 'node' }),
      {
        pingIntervalMs: cfg.PingIntervalSeconds * 1000,
        pingTimeoutMs: cfg.PingTimeoutSeconds * 1000,
        statusMaxIntervalMs: cfg.NodeStatusMaxIntervalSeconds * 1000,
        leaseDurationSeconds: cfg.LeaseDurationSeconds,
        leaseRenewIntervalMs: cfg.LeaseRenewIntervalSeconds * 1000,
      },
      {
        ping: (ok) => this.pingOutcome(ok),
        nodeReady: (ready) => this.metrics.nodeReady.set(ready ? 1 : 0),
      },
    );
    await this.node.start();

    const objects = new ApiObjectSource(this.kube);
    const allocatable = (): Record<string, string> => state.allocatable();
    const apiOverride =
      cfg.KubernetesApiAddr && cfg.KubernetesApiPort
        ? { host: cfg.KubernetesApiAddr, port: cfg.KubernetesApiPort }
        : undefined;
    const env = new EnvResolver(objects, {
      nodeAllocatable: allocatable,
      ...(apiOverride ? { apiOverride } : {}),
    });
    const tokens = new ServiceAccountTokenIssuer(this.kube, { refreshFraction: cfg.TokenRefreshFraction });
    const projected = new ProjectedVolumeResolver(objects, tokens, {
      nodeAllocatable: allocatable,
      ...(cfg.KubernetesApiCaCrt ? { apiCaOverride: cfg.KubernetesApiCaCrt } : {}),
    });
    const assembler = new PodCreateAssembler(objects, env, projected, {
      disableProjectedVolumes: cfg.DisableProjectedVolumes,
      jobScriptBuilderURL: cfg.JobScriptBuilderURL,
    });
    const podLog = log.child({ component: 'pods' });
    const writer = new PodStatusWriter(
      this.kube,
      this.events,
      podLog,
      { hostIP: settings.podIP },
      { statusWritten: (s) => s !== undefined && this.metrics.statusSync.observe(s) },
    );
    const creator = new PodCreator(
      this.provider,
      assembler,
      this.events,
      podLog,
      { hostIP: settings.podIP },
      () => objects.invalidate(),
      {
        create: (outcome) => this.metrics.creates.inc({ outcome }),
      },
    );
    const deleter = new PodDeleter(this.provider, this.kube, this.events, podLog, {
      maxWaitMs: cfg.DeleteMaxWaitSeconds * 1000,
    });
    const registry = { controller: undefined as PodController | undefined };
    this.poller = new StatusPoller(
      this.provider,
      () => registry.controller?.pods.values() ?? [],
      (t) => registry.controller?.dirty(t),
      {
        intervalMs: cfg.StatusIntervalSeconds * 1000,
        fastMs: cfg.StatusFastIntervalSeconds * 1000,
        lostGraceMs: cfg.RemoteJobLostGraceSeconds * 1000,
      },
      podLog,
      {
        poll: (n, ok) => {
          this.metrics.statusPolls.inc({ outcome: ok ? 'ok' : 'failed' });
          this.metrics.polledPods.inc(n);
        },
      },
    );
    const controller = new PodController(
      this.provider,
      creator,
      deleter,
      writer,
      this.poller,
      this.events,
      podLog,
      {
        nodeName: settings.nodeName,
        workers: cfg.PodSyncWorkers,
        skipDaemonSetPods: cfg.SkipDaemonSetPods,
      },
    );
    registry.controller = controller;
    this.pods = controller;
    this.watcher = new PodWatcher(this.deps.kubeConfig, this.kube, settings.nodeName, controller, podLog);
    await this.watcher.start();
    this.poller.start();
    const refresherOptions = {
      checkIntervalMs: cfg.TokenRotationCheckSeconds * 1000,
      contentIntervalMs: cfg.VolumeRefreshSeconds * 1000,
      rotateTokens: !cfg.DisableProjectedVolumes,
      hostIP: settings.podIP,
    };
    this.refresher = new VolumeRefresher(
      this.provider,
      assembler,
      tokens,
      () => controller.pods.values(),
      refresherOptions,
      podLog,
      {
        refresh: (outcome) => this.metrics.volumeRefreshes.inc({ outcome }),
      },
    );
    this.refresher.start();
    this.orphans = new OrphanCollector(
      {
        provider: this.provider,
        isTracked: (uid) => controller.pods.has(uid),
        apiUid: (namespace, name) => this.apiPodUid(namespace, name),
        log: podLog,
        onCollected: (outcome) => this.metrics.orphans.inc({ outcome }),
      },
      { nodeName: settings.nodeName, intervalMs: cfg.OrphanSweepSeconds * 1000 },
    );
    this.orphans.start();
    this.phaseTimer = setInterval(() => this.countPhases(), 5_000);
    this.phaseTimer.unref?.();

    this.certs = servingCertsFrom(this.deps, this.kube, this.events, () => this.node.nodeUid);
    const clientCa = clientCaFrom(this.deps);
    this.kubeletApi = new KubeletApiServer({
      bind: settings.kubeletBind,
      port: settings.kubeletPort,
      nodeName: settings.nodeName,
      ...(clientCa ? { clientCa } : {}),
      certs: this.certs,
      ...kubeletAuth(this.kube, cfg, settings.nodeName, log.child({ component: 'kubelet-api' })),
      provider: this.provider,
      pods: {
        list: () => this.watcher.list(),
        find: (ns, name) => this.watcher.find(ns, name),
        running: () =>
          [...controller.pods.values()]
            .filter((t) => t.local.kind === 'submitted' && !isTerminalPhase(t.pod.status?.phase))
            .map((t) => t.pod),
      },
      registry: this.metrics.registry,
      log: log.child({ component: 'kubelet-api' }),
    });
    await this.kubeletApi.start();
    this.countPhases();
  }

  async stop(): Promise<void> {
    clearInterval(this.phaseTimer);
    this.poller?.stop();
    this.refresher?.stop();
    this.orphans?.stop();
    this.watcher?.stop();
    this.pods?.stop();
    this.node?.stop();
    await this.kubeletApi?.stop();
    await this.events?.flush();
    if (this.provider instanceof RelayProvider) this.provider.close();
    this.kube?.close();
  }

  /** Counts pings; the first success after a failure lets waiting creates run at once. */
  private pingOutcome(ok: boolean): void {
    this.metrics.pings.inc({ outcome: ok ? 'ok' : 'failed' });
    if (ok && this.lastPingFailed) this.pods?.retryWaitingNow();
    this.lastPingFailed = !ok;
  }

  private async apiPodUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      const pod = await this.kube.request<V1Pod>({
        method: 'GET',
        path: `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`,
      });
      return pod.metadata?.uid;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private countPhases(): void {
    const counts: Record<string, number> = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0, Unknown: 0 };
    for (const p of this.watcher?.list() ?? [])
      counts[p.status?.phase ?? 'Pending'] = (counts[p.status?.phase ?? 'Pending'] ?? 0) + 1;
    for (const [phase, n] of Object.entries(counts)) this.metrics.podsByPhase.set({ phase }, n);
  }
}
