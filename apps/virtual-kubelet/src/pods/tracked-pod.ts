import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodStatus as RemotePodStatus } from '@interlink/api';
import { JOB_ID_ANNOTATION } from '@interlink/api';
import type { LocalPodState } from './status/pod-status-mapper';

/** What the controller knows about one pod (by UID). */
export interface TrackedPod {
  uid: string;
  namespace: string;
  name: string;
  /** Latest API copy (watch or our own write). */
  pod: V1Pod;
  local: LocalPodState;
  jobId?: string;
  /** A create request may have reached the plugin (so a delete must go remote). */
  maybeRemote: boolean;
  remote?: RemotePodStatus;
  submittedAt?: number;
  /** First poll answer without this pod (lost-job detection). */
  missingSince?: number;
  /** Consecutive successful poll answers without this pod (lost-job detection). */
  missingPolls?: number;
  nextPollAt?: number;
  /** Create retries (config errors, relay trouble). */
  createAttempts: number;
  createFirstAttemptAt?: number;
  /** Failed attempts to ask the plugin whether it has this pod (restart recovery). */
  lookupAttempts?: number;
  retryTimer?: NodeJS.Timeout;
  /** What retryTimer will run: a create attempt or a restart lookup at the plugin. */
  pendingRetry?: 'create' | 'lookup';
  /** Deletion in progress or finished. */
  deleting: boolean;
  remotelyDeleted: boolean;
  /** statusDigest of the status we last wrote, to write only on change. */
  lastWritten?: string;
  /** When the plugin's report last changed (status-sync latency metric). */
  remoteChangedAt?: number;
  /** Digest of the volume content the plugin last received (create or /updateVolumes). */
  volumeFingerprint?: string;
  /** When the volume content was last compared with the API objects. */
  volumesCheckedAt?: number;
  /** The invalid `interlink.eu/pod-ip` value a Warning event was already sent for. */
  warnedPodIP?: string;
  /** The API server's 422 message a StatusRejected Warning event was already sent for. */
  warnedStatusRejection?: string;
  /** Containers we already announced as started (Started events). */
  announced: Set<string>;
}

export function jobIdOf(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[JOB_ID_ANNOTATION] || undefined;
}

export function newTrackedPod(pod: V1Pod, local: LocalPodState): TrackedPod {
  const jobId = jobIdOf(pod);
  return {
    uid: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    pod,
    local,
    ...(jobId ? { jobId } : {}),
    maybeRemote: jobId !== undefined,
    createAttempts: 0,
    deleting: false,
    remotelyDeleted: false,
    announced: new Set(),
  };
}

/** The pod as the relay should see it: with its JobID annotation even before the API has it. */
export function podForRelay(t: TrackedPod): V1Pod {
  if (!t.jobId || t.pod.metadata?.annotations?.[JOB_ID_ANNOTATION] === t.jobId) return t.pod;
  return { ...t.pod, metadata: { ...t.pod.metadata, annotations: { ...t.pod.metadata?.annotations, [JOB_ID_ANNOTATION]: t.jobId } } };
}

function versionOf(pod: V1Pod): number | undefined {
  const v = Number(pod.metadata?.resourceVersion);
  return Number.isFinite(v) ? v : undefined;
}

/** `a` has a lower resourceVersion than `b` (false when they cannot be compared). */
export function olderThan(a: V1Pod, b: V1Pod): boolean {
  const va = versionOf(a);
  const vb = versionOf(b);
  return va !== undefined && vb !== undefined && va < vb;
}

/** `a` has a higher resourceVersion than `b`, or they cannot be compared (then `a` wins). */
export function isNewer(a: V1Pod, b: V1Pod): boolean {
  const va = versionOf(a);
  const vb = versionOf(b);
  return va === undefined || vb === undefined || va > vb;
}

/** A short fingerprint of a status's JSON: what a tracked pod remembers of its last write. */
export function statusDigest(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}
