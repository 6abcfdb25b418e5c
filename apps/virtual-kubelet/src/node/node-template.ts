import type { V1Taint } from '@kubernetes/client-node';
import { VIRTUAL_NODE_TAINT_KEY } from '@interlink/api';
import type { VkConfig } from '../config/vk-config';
import { formatUnits, isNonNegativeInteger, isQuantity, parseQuantityMilli } from '@interlink/kube-quantity';
import { SettingsError } from '../config/runtime-settings';

const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** The taint every virtual node carries first: pods opt in with a toleration. */
export const VIRTUAL_NODE_TAINT: V1Taint = { key: VIRTUAL_NODE_TAINT_KEY, value: 'true', effect: 'NoSchedule' };

const MODEL_LABELS: Record<string, string> = {
  'nvidia.com/gpu': 'nvidia-gpu-type',
  'xilinx.com/fpga': 'xilinx-fpga-type',
  'intel.com/fpga': 'intel-fpga-type',
};

export function normalizeEffect(effect: string | undefined): string {
  return effect && TAINT_EFFECTS.has(effect) ? effect : 'NoSchedule';
}

export function baseLabels(nodeName: string, cfg: VkConfig): Record<string, string> {
  const labels: Record<string, string> = {
    'alpha.service-controller.kubernetes.io/exclude-balancer': 'true',
    'kubernetes.io/os': 'virtual-kubelet',
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/role': 'agent',
    'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
    'virtual-node.interlink/type': 'virtual-kubelet',
  };
  for (const a of cfg.Resources.Accelerators) {
    const label = MODEL_LABELS[a.ResourceType];
    if (label && a.Model) labels[label] = a.Model;
  }
  for (const entry of cfg.NodeLabels) {
    const i = entry.indexOf('=');
    labels[entry.slice(0, i).trim()] = entry.slice(i + 1).trim();
  }
  return labels;
}

/** Configured taints after the virtual-node taint; unknown effects become NoSchedule, as upstream. */
export function configTaints(cfg: VkConfig): V1Taint[] {
  return cfg.NodeTaints.filter((t) => t.Key !== VIRTUAL_NODE_TAINT_KEY).map((t) => ({ key: t.Key, value: t.Value, effect: normalizeEffect(t.Effect) }));
}

/**
 * Capacity from the configuration: cpu, memory, pods, and accelerators summed per resource
 * name (any extended resource, not only the five upstream knows). Errors name the key.
 */
export function configCapacity(cfg: VkConfig): Record<string, string> {
  const check = (key: string, value: string, integer = false): string => {
    if (!(integer ? isNonNegativeInteger(value) : isQuantity(value))) {
      throw new SettingsError(`config key "${key}": "${value}" is not a valid ${integer ? 'non-negative integer' : 'quantity'}`);
    }
    return value;
  };
  const capacity: Record<string, string> = {
    cpu: check('Resources.CPU', cfg.Resources.CPU),
    memory: check('Resources.Memory', cfg.Resources.Memory),
    pods: check('Resources.Pods', cfg.Resources.Pods, true),
  };
  const sums = new Map<string, bigint>();
  cfg.Resources.Accelerators.forEach((a, i) => {
    check(`Resources.Accelerators[${i}].Available`, a.Available, true);
    sums.set(a.ResourceType, (sums.get(a.ResourceType) ?? 0n) + parseQuantityMilli(a.Available));
  });
  for (const [name, milli] of sums) if (milli > 0n) capacity[name] = formatUnits(milli);
  return capacity;
}
