/** A Kubernetes resource quantity that could not be parsed; the message names the value. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses `"500m"`, `"1.5"`, `"8Gi"`, `"1e3"`, or a JSON number into its value in base units. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QuantityError(`invalid quantity ${value}`);
    return value;
  }
  const m = QUANTITY.exec(value.trim());
  if (!m) throw new QuantityError(`invalid quantity "${value}"`);
  const number = Number(m[1]);
  if (m[3] !== undefined) return number * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  return number * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** CPU quantity → Docker NanoCPUs, exact (no rounding up to whole CPUs as upstream did). */
export function cpuToNanoCpus(value: string | number): number {
  return Math.round(parseQuantity(value) * 1e9);
}

/** CPU quantity → millicores, rounded up like the kubelet (0.0001 → 1m). */
export function cpuToMilli(value: string | number): number {
  return Math.ceil(parseQuantity(value) * 1000 - 1e-9);
}

/** Memory quantity → bytes (fractions round up). */
export function memoryToBytes(value: string | number): number {
  return Math.ceil(parseQuantity(value) - 1e-9);
}

/** Kubelet's CPU shares formula: 1024 per CPU requested, at least 2. */
export function milliCpuToShares(milli: number): number {
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}
