import type { V1Lease, V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import { isConflict, isNotFound, type KubeClient } from '../kube/kube-client';
import { kubeMicroTime } from '../kube/kube-time';
import { enc } from '../pods/api-object-source';

export interface LeaseOptions {
  nodeName: string;
  /** The current Node's uid: it changes when someone deletes the Node and it is registered again. */
  nodeUid: () => string | undefined;
  durationSeconds: number;
  renewIntervalMs: number;
  /**
   * Called (and awaited) before a Lease that had existed is created again: the garbage collector
   * deletes the Lease of a deleted Node, so this is the first sign that the Node is gone.
   */
  onVanished?: () => Promise<void>;
}

/**
 * The node's Lease in kube-node-lease, renewed like the kubelet's (every 10 s by default,
 * lease duration 40 s) while the process is alive. Readiness is reported through the Ready
 * condition, not by letting the lease expire.
 */
export class LeaseHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private lease: V1Lease | undefined;
  private stopped = false;
  private readonly path: string;
  renewals = 0;
  /** A Lease of ours has existed: one missing now was deleted by someone (or the garbage collector). */
  private existed = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly options: LeaseOptions,
    private readonly log: Logger,
  ) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${enc(options.nodeName)}`;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.renew();
    this.schedule(this.options.renewIntervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      // The next renewal is due one interval after this one began, not after it ended: time
      // spent waiting for a busy API server must not add up into late renewals.
      this.renew()
        .then(() => this.schedule(Math.max(0, this.options.renewIntervalMs - (Date.now() - started))))
        .catch((err: Error) => {
          this.log.warn('node lease renewal failed; retrying', { error: err.message });
          this.schedule(Math.min(this.options.renewIntervalMs, 2_000));
        });
    }, ms);
  }

  /** One renewal: update the cached lease, re-read it on conflict, create it when missing. */
  async renew(): Promise<void> {
    const now = kubeMicroTime();
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!this.lease) this.lease = await this.read();
      if (!this.lease) {
        // It existed (our last write succeeded) and is gone now. An update of a deleted Lease
        // answers 409 (UID precondition) rather than 404, so this is where it shows.
        if (this.existed && this.options.onVanished) {
          await this.options.onVanished().catch((err: Error) => this.log.warn('node check after the Lease vanished failed', { error: err.message }));
        }
        try {
          this.lease = await this.kube.request<V1Lease>({
            method: 'POST',
            path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
            body: this.newLease(now),
          });
          this.existed = true;
          this.renewals++;
          return;
        } catch (err) {
          if (isConflict(err)) continue;
          throw err;
        }
      }
      const updated: V1Lease = {
        ...this.lease,
        metadata: { ...this.lease.metadata, ownerReferences: this.owners(this.lease.metadata?.ownerReferences) },
        spec: {
          ...this.lease.spec,
          holderIdentity: this.options.nodeName,
          leaseDurationSeconds: this.options.durationSeconds,
          renewTime: now,
        },
      };
      try {
        this.lease = await this.kube.request<V1Lease>({ method: 'PUT', path: this.path, body: updated });
        this.existed = true;
        this.renewals++;
        return;
      } catch (err) {
        this.lease = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    throw new Error('node lease kept conflicting');
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.kube.request<V1Lease>({ method: 'GET', path: this.path });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The Lease is owned by the current Node, as the kubelet's is: one still pointing at a deleted
   * Node would be garbage-collected after every renewal.
   */
  private owners(existing: V1OwnerReference[] | undefined): V1OwnerReference[] {
    const uid = this.options.nodeUid();
    const others = (existing ?? []).filter((r) => !(r.kind === 'Node' && r.apiVersion === 'v1'));
    if (!uid) return existing ?? [];
    return [{ apiVersion: 'v1', kind: 'Node', name: this.options.nodeName, uid }, ...others];
  }

  private newLease(now: Date): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.options.nodeName,
        namespace: 'kube-node-lease',
        ownerReferences: this.owners(undefined),
      },
      spec: { holderIdentity: this.options.nodeName, leaseDurationSeconds: this.options.durationSeconds, renewTime: now },
    };
  }
}
