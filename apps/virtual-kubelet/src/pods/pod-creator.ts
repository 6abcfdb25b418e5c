import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import { RelayError, relaySessionId } from '@interlink/relay-client';
import { podRef, type EventRecorder } from '../events/event-recorder';
import type { PodAddresses } from './env/field-ref';
import { MissingObjectError, PodSpecError } from './object-source';
import type { PodCreateAssembler } from './pod-create-assembler';
import { podIPOf } from './pod-ip';
import type { TrackedPod } from './tracked-pod';
import { volumeFingerprint } from './volumes/volume-fingerprint';
import { backoffMs } from './work-queue';
import { classifyCreateFailure, pluginWarnings } from './create-failure';

export interface PodCreatorOptions {
  hostIP: string;
}

export interface CreateMetrics {
  create(outcome: 'ok' | 'config-error' | 'retry' | 'failed'): void;
}

/** What the controller does next. */
export type CreateResult = { next: 'poll' } | { next: 'retry'; afterMs: number } | { next: 'none' };

/**
 * One create attempt for a pod: assemble the request (volumes, env, tokens), send it, and
 * turn every failure into the pod state a user can read: CreateContainerConfigError for a
 * missing ConfigMap/Secret (retried); a relay or plugin that is down, slow or answers 5xx is
 * retried with back-off until the create succeeds or the pod is deleted (Pending with the
 * reason meanwhile); a 4xx refusal fails the pod with the plugin's message (see
 * create-failure.ts). The plugin's `Warnings` become Warning events.
 */
export class PodCreator {
  constructor(
    private readonly provider: Provider,
    private readonly assembler: PodCreateAssembler,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly options: PodCreatorOptions,
    private readonly invalidateObjects: () => void,
    private readonly metrics?: CreateMetrics,
  ) {}

  async attempt(t: TrackedPod, initialStatus: () => import('@kubernetes/client-node').V1PodStatus): Promise<CreateResult> {
    const now = Date.now();
    t.createAttempts++;
    t.createFirstAttemptAt ??= now;
    const log = this.log.child({ namespace: t.namespace, pod: t.name, uid: t.uid });
    const ref = podRef(t.pod);
    const addr: PodAddresses = { hostIP: this.options.hostIP, ...(podIPOf(t.pod) ? { podIP: podIPOf(t.pod) } : {}) };

    let request;
    try {
      request = await this.assembler.assemble(t.pod, initialStatus(), addr);
    } catch (err) {
      if (err instanceof MissingObjectError) {
        const first = t.local.kind !== 'config-error' || t.local.message !== err.message;
        t.local = { kind: 'config-error', message: err.message };
        if (first) this.events.event(ref, 'Warning', 'Failed', `Error: ${err.message}`);
        log.info('pod waits for a missing object', { problem: err.message, attempt: t.createAttempts });
        this.invalidateObjects();
        this.metrics?.create('config-error');
        return { next: 'retry', afterMs: backoffMs(t.createAttempts, 1_000, 30_000) };
      }
      if (err instanceof PodSpecError) {
        t.local = { kind: 'create-failed', message: err.message, terminal: true };
        this.events.event(ref, 'Warning', 'Failed', `Error: ${err.message}`);
        log.warn('pod cannot be offloaded', { problem: err.message });
        this.metrics?.create('failed');
        return { next: 'none' };
      }
      log.warn('reading the objects of the pod failed; retrying', { error: (err as Error).message });
      return { next: 'retry', afterMs: backoffMs(t.createAttempts, 1_000, 30_000) };
    }

    if (t.deleting) return { next: 'none' };
    t.maybeRemote = true;
    try {
      const sessionId = relaySessionId('CreatePod');
      const created = await this.provider.create(request, { sessionId });
      if (created.PodUID === t.uid) t.jobId = created.PodJID;
      else log.warn('relay answered a create for another pod UID; job id not stored', { answeredUid: created.PodUID });
      t.local = { kind: 'submitted' };
      t.submittedAt = Date.now();
      t.missingSince = undefined;
      t.missingPolls = 0;
      t.volumeFingerprint = volumeFingerprint(request);
      this.events.event(ref, 'Normal', 'Created', `Created remote job${t.jobId ? ` ${t.jobId}` : ''} through the interLink relay`);
      for (const warning of pluginWarnings(created)) this.events.event(ref, 'Warning', 'PluginWarning', warning);
      log.info('pod submitted', { jobId: t.jobId, attempt: t.createAttempts, sessionId });
      this.metrics?.create('ok');
      return { next: 'poll' };
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      return this.failed(t, err, log);
    }
  }

  private failed(t: TrackedPod, err: RelayError, log: Logger): CreateResult {
    const verdict = classifyCreateFailure(err, t.createAttempts);
    const shown = verdict.terminal ? verdict.message : `${verdict.message} (retrying in ${Math.round(verdict.afterMs / 1000)}s)`;
    const repeated = t.local.kind === 'create-failed' && t.local.message.startsWith(verdict.message);
    t.local = { kind: 'create-failed', message: shown, terminal: verdict.terminal };
    if (!repeated || verdict.terminal) this.events.event(podRef(t.pod), 'Warning', 'Failed', shown);
    log.warn('create failed', { error: err.message, kind: err.kind, status: err.status, terminal: verdict.terminal, sessionId: err.sessionId });
    this.metrics?.create(verdict.terminal ? 'failed' : 'retry');
    return verdict.terminal ? { next: 'none' } : { next: 'retry', afterMs: verdict.afterMs };
  }
}
