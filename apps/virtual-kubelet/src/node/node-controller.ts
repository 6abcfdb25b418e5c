import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import type { EventRecorder } from '../events/event-recorder';
import { isNotFound } from '../kube/kube-client';
import { conditionsDiffer } from './node-conditions';
import type { NodeRegistrar } from './node-registrar';
import type { PingOutcome, VirtualNodeState } from './virtual-node-state';
import { LeaseHeartbeat } from './lease-heartbeat';
import type { KubeClient } from '../kube/kube-client';

/** Node annotation listing the taint keys this controller manages (so restarts can remove stale plugin taints). */
export const MANAGED_TAINTS_ANNOTATION = 'interlink.virtual-kubelet.io/managed-taints';

export interface NodeControllerOptions {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  statusMaxIntervalMs: number;
  leaseDurationSeconds: number;
  leaseRenewIntervalMs: number;
}

export interface NodeMetricsSink {
  ping(ok: boolean): void;
  nodeReady(ready: boolean): void;
}

/**
 * Registers the virtual Node and keeps it truthful: pings the relay (immediately at start-up,
 * then every PingIntervalSeconds), writes conditions, capacity, taints and the ping-response
 * annotation when they change, refreshes the status at least every NodeStatusMaxIntervalSeconds,
 * renews the Lease, and records NodeReady/NodeNotReady events.
 */
export class NodeController {
  private node: V1Node | undefined;
  private conditions: V1NodeCondition[] = [];
  private lastStatusWrite = 0;
  private lastCapacityKeys = new Set<string>();
  private managedTaintKeys = new Set<string>();
  private pingTimer: NodeJS.Timeout | undefined;
  private lease: LeaseHeartbeat | undefined;
  private stopped = false;
  private readonly readyListeners: Array<(ready: boolean) => void> = [];

  constructor(
    private readonly kube: KubeClient,
    private readonly provider: Provider,
    private readonly state: VirtualNodeState,
    private readonly registrar: NodeRegistrar,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly options: NodeControllerOptions,
    private readonly metrics?: NodeMetricsSink,
  ) {}

  get ready(): boolean {
    return this.state.ready;
  }

  get nodeUid(): string | undefined {
    return this.node?.metadata?.uid;
  }

  get current(): V1Node | undefined {
    return this.node;
  }

  onReadyChange(listener: (ready: boolean) => void): void {
    this.readyListeners.push(listener);
  }

  /** Pings once, registers the node with the result, then starts the lease and the loops. */
  async start(): Promise<void> {
    this.stopped = false;
    const outcome = await this.pingOnce();
    const { node, created } = await this.registrar.ensure(this.state.nodeObject(Date.now()));
    this.node = node;
    this.conditions = node.status?.conditions ?? [];
    const previous = node.metadata?.annotations?.[MANAGED_TAINTS_ANNOTATION];
    for (const k of previous ? previous.split(',').filter(Boolean) : []) this.managedTaintKeys.add(k);
    this.log.info(created ? 'registered node' : 'node already registered; taking it over', { node: this.registrar.nodeName, ready: this.state.ready });
    await this.writeAll();
    this.announce(outcome.readyChanged || created);
    this.lease = new LeaseHeartbeat(
      this.kube,
      {
        nodeName: this.registrar.nodeName,
        nodeUid: () => this.node?.metadata?.uid,
        durationSeconds: this.options.leaseDurationSeconds,
        renewIntervalMs: this.options.leaseRenewIntervalMs,
        onVanished: () => this.registerIfGone(),
      },
      this.log,
    );
    await this.lease.start();
    this.schedulePing();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pingTimer);
    this.lease?.stop();
  }

  private schedulePing(): void {
    if (this.stopped) return;
    this.pingTimer = setTimeout(() => {
      this.tick()
        .catch((err: Error) => this.log.error('node update failed', { error: err.message }))
        .finally(() => this.schedulePing());
    }, this.options.pingIntervalMs);
  }

  /** One ping and whatever writes it calls for. Exposed for tests. */
  async tick(): Promise<void> {
    const outcome = await this.pingOnce();
    try {
      const due = Date.now() - this.lastStatusWrite >= this.options.statusMaxIntervalMs;
      if (outcome.metaChanged) await this.writeMetadata();
      if (outcome.specChanged) await this.writeTaints();
      if (outcome.statusChanged || due) await this.writeStatus();
      this.announce(outcome.readyChanged);
    } catch (err) {
      if (isNotFound(err)) {
        await this.reregister();
        return;
      }
      this.log.warn('node update failed; will retry on the next tick', { error: (err as Error).message });
    }
  }

  /** The Lease was deleted: if the Node went with it, register it again now, not at the next status write. */
  private async registerIfGone(): Promise<void> {
    if (this.stopped || (await this.registrar.get())) return;
    await this.reregister();
  }

  private async reregister(): Promise<void> {
    this.log.warn('node object was deleted; registering it again', { node: this.registrar.nodeName });
    const { node } = await this.registrar.ensure(this.state.nodeObject(Date.now()));
    this.node = node;
    await this.writeAll().catch((e: Error) => this.log.error('re-registration failed', { error: e.message }));
  }

  private async pingOnce(): Promise<PingOutcome> {
    const signal = AbortSignal.timeout(this.options.pingTimeoutMs);
    try {
      const result = await this.provider.ping({ signal });
      this.metrics?.ping(true);
      return this.state.recordPingSuccess(result);
    } catch (err) {
      this.metrics?.ping(false);
      const outcome = this.state.recordPingFailure(err);
      this.log.warn('relay ping failed', { error: (err as Error).message, ready: this.state.ready });
      return outcome;
    }
  }

  private async writeAll(): Promise<void> {
    await this.writeMetadata();
    await this.writeTaints();
    await this.writeStatus();
  }

  private async writeMetadata(): Promise<void> {
    const annotations = { ...this.state.annotations(), [MANAGED_TAINTS_ANNOTATION]: [...this.managedKeysNow()].sort().join(',') };
    this.node = await this.registrar.patchMetadata(this.state.labels, annotations);
  }

  private managedKeysNow(): Set<string> {
    return new Set(this.state.taints().map((t) => t.key));
  }

  private async writeTaints(): Promise<void> {
    const desired = this.state.taints();
    const managed = new Set([...this.managedTaintKeys, ...desired.map((t) => t.key)]);
    this.node = await this.registrar.syncTaints(desired, managed);
    this.managedTaintKeys = this.managedKeysNow();
    await this.writeMetadata();
  }

  private async writeStatus(): Promise<void> {
    const now = Date.now();
    const status = this.state.status(this.conditions, now);
    const keys = new Set(Object.keys(status.capacity ?? {}));
    const removed = [...this.lastCapacityKeys, ...Object.keys(this.node?.status?.capacity ?? {})].filter(
      (k) => !keys.has(k) && !['cpu', 'memory', 'pods', 'ephemeral-storage'].includes(k),
    );
    if (conditionsDiffer(this.conditions, status.conditions ?? [])) this.log.info('node conditions changed', { ready: this.state.ready, message: this.state.readyMessage });
    this.node = await this.registrar.patchStatus(status, [...new Set(removed)]);
    this.conditions = this.node.status?.conditions ?? status.conditions ?? [];
    this.lastCapacityKeys = keys;
    this.lastStatusWrite = now;
  }

  private announce(changed: boolean): void {
    this.metrics?.nodeReady(this.state.ready);
    if (!changed || !this.node) return;
    const ref = { kind: 'Node', apiVersion: 'v1', name: this.registrar.nodeName, uid: this.node.metadata?.uid ?? this.registrar.nodeName };
    if (this.state.ready) this.events.event(ref, 'Normal', 'NodeReady', `Node ${this.registrar.nodeName} status is now: NodeReady`);
    else this.events.event(ref, 'Warning', 'NodeNotReady', `Node ${this.registrar.nodeName} status is now: NodeNotReady (${this.state.readyMessage})`);
    for (const l of this.readyListeners) l(this.state.ready);
  }
}
