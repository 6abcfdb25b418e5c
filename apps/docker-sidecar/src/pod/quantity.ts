import { parseQuantityMilli, quantityValue } from '@interlink/kube-quantity';

export { QuantityError, quantityToNumber } from '@interlink/kube-quantity';

/** CPU quantity → Docker NanoCPUs, exact to the millicore (no rounding up to whole CPUs as upstream did). */
export function cpuToNanoCpus(value: string | number): number {
  return Number(parseQuantityMilli(value)) * 1e6;
}

/** CPU quantity → millicores, rounded up like the kubelet (0.0001 → 1m). */
export function cpuToMilli(value: string | number): number {
  return Number(parseQuantityMilli(value));
}

/** Memory quantity → bytes (fractions round up). */
export function memoryToBytes(value: string | number): number {
  return Number(quantityValue(value));
}

/** Kubelet's CPU shares formula: 1024 per CPU requested, at least 2. */
export function milliCpuToShares(milli: number): number {
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}
