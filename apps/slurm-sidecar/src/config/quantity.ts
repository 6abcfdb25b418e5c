import { quantityValue } from '@interlink/kube-quantity';

/**
 * Upstream flavor memory syntax: a number with an optional K/M/G/T suffix (binary
 * multiples), an optional trailing B, or plain bytes ("16G", "32000M", "1024K", "2GB").
 * Kubernetes quantities ("8Gi") are accepted as well. Returns bytes.
 */
export function parseMemorySize(text: string | number): number {
  if (typeof text === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP])?B?\s*$/i.exec(text);
    if (m) {
      const unit = (m[2] ?? '').toUpperCase();
      const factor = unit === '' ? 1 : 1024 ** ('KMGTP'.indexOf(unit) + 1);
      return Math.round(Number(m[1]) * factor);
    }
  }
  const bytes = quantityValue(text);
  if (bytes < 0n) throw new Error(`invalid memory size "${text}": negative`);
  return Number(bytes);
}
