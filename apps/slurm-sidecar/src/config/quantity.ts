/** Parsing of Kubernetes resource quantities and of upstream's Slurm memory sizes. */

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

/** A Kubernetes quantity ("500m", "2", "1.5Gi", "1e3", 4) as a number of base units. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q) || q < 0) throw new Error(`invalid quantity ${q}`);
    return q;
  }
  const m = /^\s*([+]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)\s*$/.exec(
    q,
  );
  if (!m) throw new Error(`invalid quantity "${q}"`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) throw new Error(`invalid quantity "${q}"`);
  return base * factor;
}

/**
 * Upstream flavor memory syntax: a number with an optional K/M/G/T suffix (binary
 * multiples), an optional trailing B, or plain bytes ("16G", "32000M", "1024K", "2GB").
 * Kubernetes quantities ("8Gi") are accepted as well. Returns bytes.
 */
export function parseMemorySize(text: string | number): number {
  if (typeof text === 'number') return parseQuantity(text);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP])?B?\s*$/i.exec(text);
  if (m) {
    const unit = (m[2] ?? '').toUpperCase();
    const factor = unit === '' ? 1 : 1024 ** ('KMGTP'.indexOf(unit) + 1);
    return Math.round(Number(m[1]) * factor);
  }
  return Math.round(parseQuantity(text));
}
