import { randomBytes } from 'node:crypto';
import type { CoreV1Event, V1ObjectReference } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { KubeClient } from '../kube/kube-client';
import { kubeTime } from '../kube/kube-time';
import { enc } from '../pods/api-object-source';

export type EventType = 'Normal' | 'Warning';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  last: number;
}

const AGGREGATE_MS = 10 * 60_000;
const MAX_MESSAGE = 1024;

/**
 * Kubernetes Events like the kubelet's recorder: `kubectl describe` shows them. A repeat of
 * the same event (object, reason, message) within 10 minutes bumps the count instead of
 * creating a new object. Recording never blocks or fails the caller.
 */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly kube: KubeClient,
    private readonly component: { component: string; host: string },
    private readonly log: Logger,
  ) {}

  event(object: V1ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.pending > 500) return; // the API server is struggling; events are best effort
    this.pending++;
    this.queue = this.queue
      .then(() => this.write(object, type, reason, message.slice(0, MAX_MESSAGE)))
      .catch((err: Error) => this.log.warn('event not recorded', { reason, error: err.message }))
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves when every queued event has been written, or after `timeoutMs` (shutdown must not hang). */
  flush(timeoutMs = 2_000): Promise<void> {
    return Promise.race([this.queue, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref?.())]);
  }

  private async write(object: V1ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.namespace || 'default';
    const key = `${object.uid}/${reason}/${type}/${message}`;
    const now = Date.now();
    const prev = this.seen.get(key);
    if (prev && now - prev.last < AGGREGATE_MS) {
      prev.count++;
      prev.last = now;
      try {
        await this.kube.request({
          method: 'PATCH',
          path: `/api/v1/namespaces/${enc(prev.namespace)}/events/${enc(prev.name)}`,
          contentType: 'application/merge-patch+json',
          body: { count: prev.count, lastTimestamp: kubeTime(now) },
          budget: 'events',
        });
        return;
      } catch {
        this.seen.delete(key); // expired or deleted: write a fresh one
      }
    }
    const name = `${object.name ?? 'object'}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
    const stamp = kubeTime(now);
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: object,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: this.component,
      reportingComponent: this.component.component,
      reportingInstance: this.component.host,
    };
    await this.kube.request({ method: 'POST', path: `/api/v1/namespaces/${enc(namespace)}/events`, body, budget: 'events' });
    this.seen.set(key, { name, namespace, count: 1, first: String(stamp), last: now });
    if (this.seen.size > 10_000) {
      for (const [k, v] of this.seen) if (now - v.last > AGGREGATE_MS) this.seen.delete(k);
    }
  }
}

export function podRef(pod: { metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string } }): V1ObjectReference {
  return { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid };
}
