import type { V1Node, V1NodeCondition, V1NodeStatus, V1Taint } from '@kubernetes/client-node';
import { PING_RESPONSE_ANNOTATION } from '@interlink/api';
import type { PingResult } from '@interlink/relay-client';
import type { VkConfig } from '../config/vk-config';
import { buildNodeConditions, type Connectivity } from './node-conditions';
import { baseLabels, configCapacity, configTaints, VIRTUAL_NODE_TAINT } from './node-template';
import { applyPingResources, describePingFailure, pingTaints, trim } from './ping-effects';

export interface NodeIdentity {
  nodeName: string;
  /** Node InternalIP (POD_IP); empty when unknown. */
  podIP: string;
  kubeletPort: number;
  version: string;
}

export interface PingOutcome {
  readyChanged: boolean;
  specChanged: boolean;
  metaChanged: boolean;
  statusChanged: boolean;
}

/**
 * Everything the node object is made of, and how ping results change it. No I/O: the
 * NodeController writes what this computes. Readiness is debounced: the node becomes Ready
 * on the first successful ping, NotReady only after `PingFailureThreshold` failures in a row
 * (or immediately if it was never Ready), so one lost ping does not evict long HPC jobs.
 */
export class VirtualNodeState {
  readonly labels: Record<string, string>;
  private capacity: Record<string, string>;
  private readonly staticTaints: V1Taint[];
  private pluginTaints: V1Taint[] = [];
  private pingBody = '';
  private failures = 0;
  private connectivity: Connectivity = { ready: false, readyMessage: 'waiting for the first answer of the interLink relay' };

  constructor(
    private readonly id: NodeIdentity,
    private readonly cfg: VkConfig,
  ) {
    this.labels = baseLabels(id.nodeName, cfg);
    this.capacity = configCapacity(cfg);
    this.staticTaints = [VIRTUAL_NODE_TAINT, ...configTaints(cfg)];
  }

  get ready(): boolean {
    return this.connectivity.ready;
  }

  get readyMessage(): string {
    return this.connectivity.readyMessage;
  }

  /** Allocatable equals capacity: nothing is reserved on a virtual node. */
  allocatable(): Record<string, string> {
    return { ...this.capacity };
  }

  taints(): V1Taint[] {
    const seen = new Set<string>();
    return [...this.staticTaints, ...this.pluginTaints].filter((t) => {
      const k = `${t.key}:${t.effect}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  annotations(): Record<string, string> {
    return { [PING_RESPONSE_ANNOTATION]: this.pingBody };
  }

  recordPingSuccess(result: PingResult): PingOutcome {
    const before = this.snapshot();
    this.failures = 0;
    this.pingBody = result.body;
    this.connectivity = {
      ready: true,
      readyMessage: 'kubelet is posting ready status; the interLink relay and plugin answer',
      lastPing: { ok: true, message: `Ping successful with code 200. Response: ${trim(result.body, 1024)}` },
    };
    if (result.response) {
      this.capacity = applyPingResources(this.capacity, result.response);
      const taints = pingTaints(result.response);
      if (taints) this.pluginTaints = taints;
    }
    return this.diff(before);
  }

  recordPingFailure(err: unknown): PingOutcome {
    const before = this.snapshot();
    this.failures++;
    const why = describePingFailure(err);
    this.pingBody = '';
    const goNotReady = !this.connectivity.ready || this.failures >= this.cfg.PingFailureThreshold;
    this.connectivity = {
      ready: goNotReady ? false : this.connectivity.ready,
      readyMessage: goNotReady ? `${why} (${this.failures} failed ping${this.failures > 1 ? 's' : ''} in a row)` : this.connectivity.readyMessage,
      lastPing: { ok: false, message: `Ping failed: ${why}` },
    };
    return this.diff(before);
  }

  status(existing: V1NodeCondition[], now: number): V1NodeStatus {
    const addresses = [];
    if (this.id.podIP) addresses.push({ type: 'InternalIP', address: this.id.podIP });
    addresses.push({ type: 'Hostname', address: this.id.nodeName });
    return {
      capacity: { ...this.capacity },
      allocatable: this.allocatable(),
      conditions: buildNodeConditions(this.connectivity, existing, now),
      addresses,
      daemonEndpoints: { kubeletEndpoint: { Port: this.id.kubeletPort } },
      nodeInfo: {
        architecture: 'virtual-kubelet',
        operatingSystem: 'linux',
        kubeletVersion: `v${this.id.version}-interlink`,
        kubeProxyVersion: '',
        containerRuntimeVersion: `interlink://${this.id.version}`,
        osImage: 'interLink virtual node',
        kernelVersion: '',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    };
  }

  /** The Node to create when it does not exist yet. */
  nodeObject(now: number): V1Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.id.nodeName, labels: { ...this.labels }, annotations: this.annotations() },
      spec: {
        providerID: `external:///${this.id.nodeName}`,
        ...(this.cfg.PodCIDR.Subnet ? { podCIDR: this.cfg.PodCIDR.Subnet, podCIDRs: [this.cfg.PodCIDR.Subnet] } : {}),
        taints: this.taints(),
      },
      status: this.status([], now),
    };
  }

  private snapshot(): string[] {
    return [
      String(this.connectivity.ready),
      JSON.stringify(this.taints()),
      this.pingBody,
      JSON.stringify(this.capacity) + JSON.stringify(this.connectivity),
    ];
  }

  private diff(before: string[]): PingOutcome {
    const after = this.snapshot();
    return {
      readyChanged: before[0] !== after[0],
      specChanged: before[1] !== after[1],
      metaChanged: before[2] !== after[2],
      statusChanged: before[3] !== after[3],
    };
  }
}
