import type { V1ContainerStateWaiting } from '@kubernetes/client-node';
import type { RetrievedPodData } from '@interlink/api';
import type { PodRef } from '../pod/container-spec-builder';
import type { VolumePlan } from '../pod/volume-planner';

/** Why a container has no running instance yet, when Docker alone cannot say (pull, config errors). */
export interface WaitingReason {
  reason: string;
  message: string;
}

/**
 * What the sidecar knows about a pod beyond Docker's containers. Everything here is either
 * derived from the stored create request or transient (pull errors, back-off timers), so
 * losing it on restart only repeats work.
 */
export class PodRuntime {
  deleting = false;
  podIP: string | undefined;
  /** Per container name: why it has no instance (ErrImagePull, CreateContainerConfigError...). */
  readonly waiting = new Map<string, WaitingReason>();
  /** Per container name: failed pulls so far and when to retry. */
  readonly pullFailures = new Map<string, { failures: number; retryAt: number }>();
  /** Per container name: restart pending until `dueAt` (CrashLoopBackOff). */
  readonly crashLoop = new Map<string, { dueAt: number; message: string }>();
  /** Container ids whose start failed (they stay "created" in Docker), with the time it failed. */
  readonly startFailed = new Map<string, number>();
  /**
   * Containers this process created at least once. One that then has no instance at all was
   * removed behind our back: it is reported lost, not silently created again.
   */
  readonly launched = new Set<string>();
  /**
   * When (performance.now()) the pod last gained a container: its sandbox at creation, then each
   * launch. A container list started before that cannot show it, so it proves nothing vanished.
   */
  lastLaunchAt = performance.now();
  /**
   * Set when the pod's record says it was created (and ran) here but Docker has none of its
   * containers: it is reported terminated with this message and never started again.
   */
  lost: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    readonly ref: PodRef,
    /** The create request; undefined for pods found in Docker without a stored request (then only status, logs and delete work). */
    readonly data: RetrievedPodData | undefined,
    readonly plan: VolumePlan,
    readonly podDir: string,
    readonly sandboxId: string,
  ) {}

  /** Run `wake` at `at` (epoch ms) unless an earlier wake-up is already set. */
  wakeAt(at: number, wake: () => void): void {
    if (this.deleting || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        wake();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer.unref?.();
  }

  cancelTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Records that `container` now exists in Docker (see `launched` and `lastLaunchAt`). */
  noteLaunched(container: string): void {
    this.launched.add(container);
    this.lastLaunchAt = performance.now();
  }

  waitingFor(container: string): V1ContainerStateWaiting | undefined {
    const crash = this.crashLoop.get(container);
    if (crash) return { reason: 'CrashLoopBackOff', message: crash.message };
    return this.waiting.get(container);
  }
}
