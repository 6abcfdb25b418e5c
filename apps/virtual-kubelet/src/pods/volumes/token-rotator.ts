import type { Logger } from '@interlink/logging';
import type { Provider } from '@interlink/relay-client';
import type { PodAddresses } from '../env/field-ref';
import type { PodCreateAssembler } from '../pod-create-assembler';
import { isTerminalPhase } from '../status/pod-status-mapper';
import { podIPOf } from '../pod-status-writer';
import type { TrackedPod } from '../tracked-pod';
import { tokenSpecsOf, type ServiceAccountTokenIssuer } from './token-issuer';

export interface TokenRotatorOptions {
  /** How often running pods are checked for tokens past their refresh point. */
  checkIntervalMs: number;
  hostIP: string;
}

export interface TokenRotatorMetrics {
  rotation(outcome: 'updated' | 'pod-not-found' | 'unsupported' | 'failed'): void;
}

/**
 * Keeps the projected service-account tokens of running pods fresh, as the kubelet does: when a
 * token passes its refresh point the pod's volumes are assembled again (a new TokenRequest) and
 * pushed with the relay's /updateVolumes extension. A relay or plugin without the extension
 * (upstream) is detected on the first answer: rotation stops for the node, logged once; pods
 * keep the token they were created with until it expires.
 */
export class TokenRotator {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private unsupported = false;

  constructor(
    private readonly provider: Provider,
    private readonly assembler: PodCreateAssembler,
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly pods: () => Iterable<TrackedPod>,
    private readonly options: TokenRotatorOptions,
    private readonly log: Logger,
    private readonly metrics?: TokenRotatorMetrics,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over the node's pods; overlapping passes are skipped. Returns pods rotated. */
  async check(now = Date.now()): Promise<number> {
    if (this.running || this.unsupported) return 0;
    this.running = true;
    let rotated = 0;
    try {
      const all = [...this.pods()];
      this.issuer.retain(new Set(all.map((t) => t.uid)));
      for (const t of all) {
        if (this.unsupported) break;
        if (!this.eligible(t)) continue;
        const specs = tokenSpecsOf(t.pod);
        if (specs.length === 0 || !this.issuer.needsRefresh(t.pod, specs, now)) continue;
        if (await this.rotate(t)) rotated++;
      }
    } finally {
      this.running = false;
    }
    return rotated;
  }

  private eligible(t: TrackedPod): boolean {
    return t.local.kind === 'submitted' && !t.deleting && !isTerminalPhase(t.pod.status?.phase);
  }

  private async rotate(t: TrackedPod): Promise<boolean> {
    const fields = { namespace: t.namespace, pod: t.name, uid: t.uid };
    const addr: PodAddresses = { hostIP: this.options.hostIP, ...(podIPOf(t.pod) ? { podIP: podIPOf(t.pod) } : {}) };
    try {
      const request = await this.assembler.assemble(t.pod, t.pod.status ?? {}, addr);
      const result = await this.provider.updateVolumes(request);
      this.metrics?.rotation(result);
      // Not delivered: issue again on the next check rather than believe the pod has it.
      if (result !== 'updated') this.issuer.forget(t.uid);
      if (result === 'unsupported') {
        this.unsupported = true;
        this.log.warn(
          'the relay or plugin has no /updateVolumes: projected service-account tokens of running pods are not rotated (they keep the token issued at create until it expires)',
          fields,
        );
        return false;
      }
      if (result === 'updated') this.log.info('projected service-account token rotated', fields);
      return result === 'updated';
    } catch (err) {
      this.issuer.forget(t.uid);
      this.metrics?.rotation('failed');
      this.log.warn('token rotation failed; retried on the next check', { ...fields, error: (err as Error).message });
      return false;
    }
  }
}
