import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import { RelayError, relaySessionId } from '@interlink/relay-client';
import { podRef, type EventRecorder } from '../events/event-recorder';
import { isConflict, isNotFound, type KubeClient } from '../kube/kube-client';
import { enc } from './api-object-source';
import { podForRelay, type TrackedPod } from './tracked-pod';
import { backoffMs } from './work-queue';

export interface PodDeleterOptions {
  /** DeleteMaxWaitSeconds (0 = retry forever). */
  maxWaitMs: number;
}

/**
 * Deletes a pod remotely, retrying with back-off until the plugin confirms (200) or says it
 * does not know the pod (404), then removes the API object (grace 0, UID precondition).
 * Only after `maxWaitMs` of failures does the pod go anyway, with an Event naming the
 * possibly orphaned remote job.
 */
export class PodDeleter {
  private stopped = false;

  constructor(
    private readonly provider: Provider,
    private readonly kube: KubeClient,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly options: PodDeleterOptions,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  async remote(t: TrackedPod): Promise<void> {
    if (t.remotelyDeleted) return;
    if (!t.maybeRemote) {
      t.remotelyDeleted = true;
      return;
    }
    const log = this.log.child({ namespace: t.namespace, pod: t.name, uid: t.uid, jobId: t.jobId });
    const ref = podRef(t.pod);
    this.events.event(ref, 'Normal', 'Killing', `Stopping pod${t.jobId ? ` (remote job ${t.jobId})` : ''}`);
    const started = Date.now();
    for (let attempt = 1; !this.stopped; attempt++) {
      const sessionId = relaySessionId('DeletePod');
      try {
        await this.provider.delete(podForRelay(t), { sessionId });
        log.info('pod deleted remotely', { attempt, sessionId });
        break;
      } catch (err) {
        if (err instanceof RelayError && err.kind === 'http' && err.status === 404) {
          log.info('plugin does not know the pod; nothing to delete remotely');
          break;
        }
        const waited = Date.now() - started;
        if (this.options.maxWaitMs > 0 && waited >= this.options.maxWaitMs) {
          this.events.event(ref, 'Warning', 'RemoteDeleteFailed', `Gave up deleting the remote job${t.jobId ? ` ${t.jobId}` : ''} after ${Math.round(waited / 1000)}s; it may still be running: ${(err as Error).message}`);
          log.error('remote delete abandoned; the remote job may be orphaned', { error: (err as Error).message });
          break;
        }
        if (attempt === 1 || attempt % 10 === 0) {
          log.warn('remote delete failed; retrying', { error: (err as Error).message, attempt, sessionId });
          if (attempt === 1) this.events.event(ref, 'Warning', 'RemoteDeleteFailed', `Deleting the remote job failed, retrying: ${(err as Error).message}`);
        }
        await sleep(backoffMs(attempt, 500, 30_000));
      }
    }
    t.remotelyDeleted = !this.stopped;
  }

  /** Removes the API object now; the UID precondition protects a re-created pod of the same name. */
  async fromApi(t: TrackedPod): Promise<void> {
    try {
      await this.kube.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${enc(t.namespace)}/pods/${enc(t.name)}`,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: t.uid } },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
