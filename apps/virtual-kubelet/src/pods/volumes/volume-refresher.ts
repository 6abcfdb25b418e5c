import type { Logger } from '@interlink/logging';
import { RelayError, type Provider, type VolumeUpdateResult } from '@interlink/relay-client';
import type { PodAddresses } from '../env/field-ref';
import { MissingObjectError } from '../object-source';
import type { PodCreateAssembler } from '../pod-create-assembler';
import { podIPOf } from '../pod-ip';
import { isTerminalPhase } from '../status/pod-status-mapper';
import type { TrackedPod } from '../tracked-pod';
import { tokenSpecsOf, type ServiceAccountTokenIssuer } from './token-issuer';
import { volumeFingerprint } from './volume-fingerprint';

export interface VolumeRefresherOptions {
  /** How often running pods are checked (tokens past their refresh point, pending pushes). */
  checkIntervalMs: number;
  /** How often the ConfigMap/Secret/downwardAPI content of a running pod is compared; 0 = never. */
  contentIntervalMs: number;
  /** False with DisableProjectedVolumes: no tokens are sent, so none is rotated. */
  rotateTokens: boolean;
  hostIP: string;
}

export type VolumeRefreshOutcome = VolumeUpdateResult | 'failed';

export interface VolumeRefresherMetrics {
  refresh(outcome: VolumeRefreshOutcome): void;
}

interface PodProgress {
  /** The last push failed: retried on the next check with the content already issued. */
  pending: boolean;
}

/**
 * Keeps the files of running pods' ConfigMap, Secret and projected volumes current, as the
 * kubelet does: a projected service-account token past its refresh point (80 % of its lifetime
 * or 24 h) is re-requested, and changed ConfigMaps/Secrets/labels are noticed by comparing a
 * digest of the volume content every `contentIntervalMs`. New content is pushed with the relay's
 * /updateVolumes extension. A relay or plugin without it (upstream) is detected on the first
 * answer: refreshing stops for the node, logged once; pods keep their files from create.
 */
export class VolumeRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private unsupported = false;
  private stopped = false;
  private readonly progress = new Map<string, PodProgress>();

  constructor(
    private readonly provider: Provider,
    private readonly assembler: PodCreateAssembler,
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly pods: () => Iterable<TrackedPod>,
    private readonly options: VolumeRefresherOptions,
    private readonly log: Logger,
    private readonly metrics?: VolumeRefresherMetrics,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** True once the relay or plugin answered that it has no /updateVolumes. */
  get disabled(): boolean {
    return this.unsupported;
  }

  /**
   * One pass over the node's pods; overlapping passes are skipped. A relay that cannot be
   * reached ends the pass (every other push would fail the same way). Returns pods updated.
   */
  async check(now = Date.now()): Promise<number> {
    if (this.running || this.unsupported) return 0;
    this.running = true;
    let updated = 0;
    try {
      const all = [...this.pods()];
      const uids = new Set(all.map((t) => t.uid));
      this.issuer.retain(uids);
      for (const uid of this.progress.keys()) if (!uids.has(uid)) this.progress.delete(uid);
      for (const t of all) {
        // A pass still running when the controller stops must not push through a closed provider.
        if (this.stopped) break;
        if (this.unsupported || !this.eligible(t) || !this.due(t, now)) continue;
        const outcome = await this.refresh(t, now);
        if (outcome === 'updated') updated++;
        if (outcome === 'unreachable') break;
      }
    } finally {
      this.running = false;
    }
    return updated;
  }

  private eligible(t: TrackedPod): boolean {
    if (t.local.kind !== 'submitted' || t.deleting || isTerminalPhase(t.pod.status?.phase)) return false;
    return (t.pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.projected || v.downwardAPI);
  }

  private due(t: TrackedPod, now: number): boolean {
    if (this.progress.get(t.uid)?.pending) return true;
    // Unknown content (the controller restarted since create): compare once.
    if (t.volumeFingerprint === undefined) return true;
    const specs = this.options.rotateTokens ? tokenSpecsOf(t.pod) : [];
    if (specs.length > 0 && this.issuer.needsRefresh(t.pod, specs, now)) return true;
    const interval = this.options.contentIntervalMs;
    return interval > 0 && now >= (t.volumesCheckedAt ?? t.submittedAt ?? 0) + interval;
  }

  private async refresh(
    t: TrackedPod,
    now: number,
  ): Promise<VolumeRefreshOutcome | 'unchanged' | 'unreachable'> {
    const fields = { namespace: t.namespace, pod: t.name, uid: t.uid };
    const addr: PodAddresses = {
      hostIP: this.options.hostIP,
      ...(podIPOf(t.pod) ? { podIP: podIPOf(t.pod) } : {}),
    };
    const progress = this.progress.get(t.uid) ?? { pending: false };
    this.progress.set(t.uid, progress);
    try {
      // New tokens are issued here when due; otherwise the issuer answers the cached ones.
      const content = await this.assembler.volumeContent(t.pod, addr);
      t.volumesCheckedAt = now;
      const fingerprint = volumeFingerprint(content);
      if (fingerprint === t.volumeFingerprint) {
        progress.pending = false;
        return 'unchanged';
      }
      const request = await this.assembler.assemble(t.pod, t.pod.status ?? {}, addr);
      const result = await this.provider.updateVolumes(request);
      this.metrics?.refresh(result);
      progress.pending = false;
      if (result === 'unsupported') {
        this.unsupported = true;
        this.log.warn(
          'the relay or plugin has no /updateVolumes: projected service-account tokens and ConfigMap/Secret volumes of running pods are not refreshed (pods keep the files from create)',
          fields,
        );
        return result;
      }
      // Delivered, or nothing to deliver to (the plugin no longer runs the pod).
      t.volumeFingerprint = volumeFingerprint(request);
      if (result === 'updated') this.log.info('pod volumes refreshed', fields);
      else this.log.info('pod volumes not refreshed: the plugin does not run the pod', fields);
      return result;
    } catch (err) {
      if (err instanceof MissingObjectError) {
        // As the kubelet: a ConfigMap/Secret deleted under a running pod leaves its files as they are.
        progress.pending = false;
        this.log.debug('pod volumes not refreshed', { ...fields, problem: err.message });
        return 'unchanged';
      }
      progress.pending = true;
      this.metrics?.refresh('failed');
      this.log.warn('pod volume refresh failed; retried on the next check', {
        ...fields,
        error: (err as Error).message,
      });
      return err instanceof RelayError && err.isConnectivity ? 'unreachable' : 'failed';
    }
  }
}
