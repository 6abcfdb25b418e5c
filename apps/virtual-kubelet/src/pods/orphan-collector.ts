import type { V1Pod } from '@kubernetes/client-node';
import type { RemotePod } from '@interlink/api';
import type { Logger } from '@interlink/logging';
import { RelayError, relaySessionId, type Provider } from '@interlink/relay-client';

export interface OrphanCollectorOptions {
  nodeName: string;
  /** OrphanSweepSeconds in ms; 0 turns sweeping off. */
  intervalMs: number;
}

export interface OrphanCollectorDeps {
  provider: Provider;
  /** UIDs the pod controller tracks right now (never orphans, whatever the API says). */
  isTracked(uid: string): boolean;
  /** UID of the API pod with this namespace/name, undefined when there is none. */
  apiUid(namespace: string, name: string): Promise<string | undefined>;
  log: Logger;
  onCollected?(outcome: 'deleted' | 'failed'): void;
}

/**
 * Deletes remote pods whose API object is gone: a pod force-deleted, or deleted while this
 * node controller was down, is never seen again by the watch, so nothing else would stop its
 * container or job. Needs the relay's /listPods extension; against an upstream relay (404)
 * it logs once and stops.
 */
export class OrphanCollector {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private unsupported = false;

  constructor(
    private readonly deps: OrphanCollectorDeps,
    private readonly options: OrphanCollectorOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.kick();
    this.timer = setInterval(() => this.kick(), this.options.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sweep now unless one is already running. */
  kick(): Promise<void> {
    this.running ??= this.sweep()
      .then(() => undefined)
      .catch((err: Error) =>
        this.deps.log.warn('orphan sweep failed; the next one retries', { error: err.message }),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Lists the remote pods of this node, deletes those without an API pod; returns the deleted ones. */
  async sweep(): Promise<RemotePod[]> {
    if (this.unsupported || !this.deps.provider.listPods) return [];
    const sessionId = relaySessionId('ListPods');
    const listed = await this.deps.provider.listPods({ sessionId });
    if (listed === 'unsupported') {
      this.unsupported = true;
      this.stop();
      this.deps.log.info(
        'the relay or plugin has no /listPods: remote pods deleted while this node controller was down are not collected',
        { sessionId },
      );
      return [];
    }
    const deleted: RemotePod[] = [];
    for (const remote of listed) {
      if (remote.nodeName !== this.options.nodeName || this.deps.isTracked(remote.UID)) continue;
      // The watch may lag: only the API's own answer makes a pod an orphan.
      const uid = await this.deps.apiUid(remote.namespace, remote.name);
      if (uid === remote.UID || this.deps.isTracked(remote.UID)) continue;
      if (await this.collect(remote)) deleted.push(remote);
    }
    return deleted;
  }

  private async collect(remote: RemotePod): Promise<boolean> {
    const sessionId = relaySessionId('DeletePod');
    const log = this.deps.log.child({
      namespace: remote.namespace,
      pod: remote.name,
      uid: remote.UID,
      sessionId,
      ...(remote.JID ? { jobId: remote.JID } : {}),
    });
    try {
      await this.deps.provider.delete(stubPod(remote), { sessionId });
    } catch (err) {
      if (!(err instanceof RelayError && err.kind === 'http' && err.status === 404)) {
        log.warn('deleting an orphaned remote pod failed; the next sweep retries', {
          error: (err as Error).message,
        });
        this.deps.onCollected?.('failed');
        return false;
      }
    }
    log.info('deleted a remote pod whose API object is gone');
    this.deps.onCollected?.('deleted');
    return true;
  }
}

/** What a plugin needs to find and delete a pod: its identity and node. */
function stubPod(remote: RemotePod): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: remote.name, namespace: remote.namespace, uid: remote.UID },
    spec: { nodeName: remote.nodeName ?? '', containers: [] },
  };
}
