import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { JOB_ID_ANNOTATION } from '@interlink/api';
import type { Logger } from '@interlink/logging';
import type { EventRecorder } from '../events/event-recorder';
import { podRef } from '../events/event-recorder';
import { isConflict, isNotFound, KubeApiError, type KubeClient } from '../kube/kube-client';
import { enc } from './api-object-source';
import { invalidPodIPMessage, podIPAnnotation, podIPOf } from './pod-ip';
import { PodStatusMapper, isTerminalPhase } from './status/pod-status-mapper';
import { isNewer, statusDigest, type TrackedPod } from './tracked-pod';

export interface StatusWriterMetrics {
  statusWritten(syncSeconds: number | undefined): void;
}

/**
 * Maps a tracked pod to the status a kubelet would write and stores it on `pods/status`,
 * only when it changed. Writes are full updates guarded by resourceVersion; a conflict
 * re-reads the pod and maps again, so nothing another writer set is lost. The JobID
 * annotation travels in the same write.
 */
export class PodStatusWriter {
  private readonly mapper = new PodStatusMapper();

  constructor(
    private readonly kube: KubeClient,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly addr: { hostIP: string },
    private readonly metrics?: StatusWriterMetrics,
  ) {}

  /** The status the pod should have now (pure). */
  desired(t: TrackedPod, now = Date.now()): V1PodStatus {
    return this.mapper.map({
      pod: t.pod,
      local: t.local,
      ...(t.remote ? { remote: t.remote } : {}),
      ...(this.addr.hostIP ? { hostIP: this.addr.hostIP } : {}),
      ...(podIPOf(t.pod) ? { podIP: podIPOf(t.pod) } : {}),
      now,
    });
  }

  /** Writes when something changed; returns true when a write happened. */
  async sync(t: TrackedPod): Promise<boolean> {
    this.warnInvalidPodIP(t);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (t.deleting || isTerminalPhase(t.pod.status?.phase) && t.lastWritten !== undefined) return false;
      const status = this.desired(t);
      const needsJobId = t.jobId !== undefined && t.pod.metadata?.annotations?.[JOB_ID_ANNOTATION] !== t.jobId;
      const key = JSON.stringify(status);
      const digest = statusDigest(key);
      if (!needsJobId && (digest === t.lastWritten || key === JSON.stringify(t.pod.status ?? {}))) return false;
      const body: V1Pod = { ...t.pod, status };
      if (needsJobId) body.metadata = { ...t.pod.metadata, annotations: { ...t.pod.metadata?.annotations, [JOB_ID_ANNOTATION]: t.jobId ?? '' } };
      // Read before the write: the watch may deliver our own update (and replace t.pod) before
      // the PUT's answer arrives, and the transition would then look like no transition at all.
      const before = t.pod.status;
      try {
        const written = await this.kube.request<V1Pod>({
          method: 'PUT',
          path: `/api/v1/namespaces/${enc(t.namespace)}/pods/${enc(t.name)}/status`,
          body,
        });
        if (written.metadata?.managedFields) delete written.metadata.managedFields;
        // When the watch already delivered this version (or a newer one), keep that object:
        // the watch cache and the tracked pod then share one copy.
        if (isNewer(written, t.pod)) t.pod = written;
        // What was sent, not a fresh mapping: the plugin may have reported again meanwhile.
        t.lastWritten = digest;
        this.metrics?.statusWritten(t.remoteChangedAt ? (Date.now() - t.remoteChangedAt) / 1000 : undefined);
        t.remoteChangedAt = undefined;
        this.announce(t, before, written.status);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (err instanceof KubeApiError && err.status === 422) this.warnRejected(t, err);
        if (!isConflict(err)) throw err;
        const fresh = await this.read(t);
        if (!fresh || fresh.metadata?.uid !== t.uid) return false;
        t.pod = fresh;
      }
    }
    this.log.warn('pod status kept conflicting; will retry on the next change', { namespace: t.namespace, pod: t.name, uid: t.uid });
    return false;
  }

  /** One Warning event per bad `interlink.eu/pod-ip` value: the user sees why the pod has no IP. */
  private warnInvalidPodIP(t: TrackedPod): void {
    const { invalid } = podIPAnnotation(t.pod);
    if (invalid === undefined || t.warnedPodIP === invalid) return;
    t.warnedPodIP = invalid;
    this.events.event(podRef(t.pod), 'Warning', 'InvalidPodIP', invalidPodIPMessage(invalid));
    this.log.warn('pod-ip annotation is not an IP address; not copied into the status', { namespace: t.namespace, pod: t.name, uid: t.uid, value: invalid });
  }

  /**
   * The API server refused the status as invalid (422): whatever value caused it, the pod must
   * not sit Pending in silence. One Warning event per distinct message; the write is retried
   * at the next change or resync.
   */
  private warnRejected(t: TrackedPod, err: KubeApiError): void {
    if (t.warnedStatusRejection === err.message) return;
    t.warnedStatusRejection = err.message;
    this.events.event(podRef(t.pod), 'Warning', 'StatusRejected', `The API server refused the pod status written by the virtual node: ${err.message}`);
    this.log.error('pod status refused as invalid', { namespace: t.namespace, pod: t.name, uid: t.uid, error: err.message });
  }

  private async read(t: TrackedPod): Promise<V1Pod | undefined> {
    try {
      return await this.kube.request<V1Pod>({ method: 'GET', path: `/api/v1/namespaces/${enc(t.namespace)}/pods/${enc(t.name)}` });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Started / Failed / Completed events for transitions the plugin reported. */
  private announce(t: TrackedPod, before: V1PodStatus | undefined, after: V1PodStatus | undefined): void {
    if (!after) return;
    const ref = podRef(t.pod);
    for (const s of [...(after.initContainerStatuses ?? []), ...(after.containerStatuses ?? [])]) {
      if ((s.state?.running || s.state?.terminated) && !t.announced.has(s.name) && t.local.kind === 'submitted') {
        t.announced.add(s.name);
        this.events.event(ref, 'Normal', 'Started', `Started container ${s.name}`);
      }
    }
    if (after.phase !== before?.phase && after.phase === 'Failed') {
      this.events.event(ref, 'Warning', 'Failed', `${after.reason ?? 'Failed'}: ${after.message ?? 'the pod failed'}`);
    }
    if (after.phase !== before?.phase && after.phase === 'Succeeded') {
      this.events.event(ref, 'Normal', 'Completed', 'All containers completed successfully');
    }
  }
}
