import type { TaintResponse } from '@interlink/api';
import type { RegistryCredential } from './docker/image-puller';
import type { BackoffSettings } from './pod/restart-policy';

/** Everything the Docker backend needs, already validated (see config/sidecar-config.ts). */
export interface DockerBackendSettings {
  /** Value of the `interlink.sidecar` label: which sidecar owns a container. */
  instanceName: string;
  /** Absolute root of the per-pod directories (must be the same path on the Docker host). */
  dataRoot: string;
  exportPodData: boolean;
  hostPathAllowList: string[];
  sandboxImage: string;
  sandboxCommand: string[];
  podNetwork: string;
  /** NVIDIA device ids this engine may hand out. */
  gpuDevices: string[];
  maxPods: number;
  taints: TaintResponse[];
  restartBackoff: BackoffSettings;
  pullBackoff: BackoffSettings;
  /** Cap on the graceful-stop wait of a delete (the relay waits 120 s for an answer). */
  maxGracePeriodSeconds: number;
  resyncIntervalMs: number;
  logMaxSize: string;
  logMaxFiles: number;
  registryCredentials: RegistryCredential[];
  /** Pods reconciled concurrently. */
  concurrency: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
