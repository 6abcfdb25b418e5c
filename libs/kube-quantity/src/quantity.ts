/**
 * Kubernetes resource quantities ("500m", "8Gi", "1e3") held exactly as BigInt milli-units.
 * Fractions below one milli-unit round up, as resource.Quantity.MilliValue does.
 */
const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

/** Parses a quantity; throws QuantityError naming the text when it is not one. */
export function parseQuantityMilli(input: string | number): bigint {
  const text = String(input).trim();
  const m = QUANTITY.exec(text);
  if (!m) throw new QuantityError(`invalid quantity "${text}": not a Kubernetes quantity`);
  const sign = m[1] === '-' ? -1n : 1n;
  const [intPart = '', fracPart = ''] = (m[2] ?? '0').split('.');
  let digits = BigInt((intPart || '0') + fracPart);
  let exp10 = -fracPart.length + 3; // to milli-units
  let factor = 1n;
  const suffix = m[3];
  if (suffix !== undefined && suffix in BINARY) factor = BINARY[suffix] ?? 1n;
  else if (suffix !== undefined) exp10 += DECIMAL_EXP[suffix] ?? 0;
  else if (m[4] !== undefined) exp10 += Number(m[4]);
  digits *= factor;
  if (exp10 >= 0) return sign * digits * 10n ** BigInt(exp10);
  const div = 10n ** BigInt(-exp10);
  const q = digits / div;
  return sign * (digits % div === 0n ? q : q + 1n);
}

export function isQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantityMilli(input);
    return true;
  } catch {
    return false;
  }
}

/** True for a quantity that is a whole, non-negative number (pods, extended resources). */
export function isNonNegativeInteger(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    const milli = parseQuantityMilli(input);
    return milli >= 0n && milli % 1000n === 0n;
  } catch {
    return false;
  }
}

/** ceil(a / b) for positive BigInts. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new QuantityError('division by a zero quantity');
  const q = a / b;
  return a % b === 0n || a < 0n !== b < 0n ? q : q + 1n;
}

/** Canonical text of a whole-unit count, e.g. for summed accelerators. */
export function formatUnits(milli: bigint): string {
  return milli % 1000n === 0n ? String(milli / 1000n) : `${milli}m`;
}

/** Whole base units, rounded up as resource.Quantity.Value does ("1.5Ki" → 1536, "100m" → 1). */
export function quantityValue(input: string | number): bigint {
  return ceilDiv(parseQuantityMilli(input), 1000n);
}

/** The value in base units as a float, for arithmetic that needs no exactness (ratios, flags). */
export function quantityToNumber(input: string | number): number {
  if (typeof input === 'number' && !Number.isFinite(input)) throw new QuantityError(`invalid quantity ${input}`);
  return Number(parseQuantityMilli(input)) / 1000;
}
