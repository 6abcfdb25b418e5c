import { describe, expect, it } from 'vitest';
import {
  ceilDiv,
  formatUnits,
  isNonNegativeInteger,
  isQuantity,
  parseQuantityMilli,
  quantityToNumber,
  quantityValue,
  QuantityError,
} from '../src/index';

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 500n],
    ['1', 1000n],
    ['1.5', 1500n],
    ['2k', 2_000_000n],
    ['8Gi', 8n * 2n ** 30n * 1000n],
    ['128Mi', 128n * 2n ** 20n * 1000n],
    ['1e3', 1_000_000n],
    ['100M', 100_000_000_000n],
    ['.5', 500n],
    ['-2', -2000n],
    [3, 3000n],
  ] as const)('%s → %s milli-units', (q, v) => expect(parseQuantityMilli(q)).toBe(v));

  it('rounds fractions of a milli-unit up, like MilliValue', () => {
    expect(parseQuantityMilli('0.0001')).toBe(1n);
    expect(parseQuantityMilli('100n')).toBe(1n);
    expect(parseQuantityMilli('1000u')).toBe(1n);
  });

  it('is exact beyond float precision', () => {
    expect(parseQuantityMilli('8Ei')).toBe(8n * 2n ** 60n * 1000n);
    expect(quantityValue('9007199254740993')).toBe(9007199254740993n);
  });

  it('rejects what is not a quantity, naming the text', () => {
    for (const bad of ['', 'abc', '1.2.3', '5 Gi', '10XB', '1Kib', 'Mi'])
      expect(() => parseQuantityMilli(bad)).toThrow(new RegExp(`invalid quantity "${bad.replace('.', '\\.')}"`));
    expect(() => parseQuantityMilli('x')).toThrow(QuantityError);
    expect(() => quantityToNumber(Number.NaN)).toThrow(QuantityError);
    expect(isQuantity('1Gi')).toBe(true);
    expect(isQuantity('1 Gi')).toBe(false);
    expect(isQuantity({})).toBe(false);
  });

  it('whole values round up; floats for ratios', () => {
    expect(quantityValue('1.5Ki')).toBe(1536n);
    expect(quantityValue('100m')).toBe(1n);
    expect(quantityToNumber('500m')).toBe(0.5);
    expect(quantityToNumber('1.5Gi')).toBe(1.5 * 2 ** 30);
  });

  it('integer checks, division and formatting', () => {
    expect(isNonNegativeInteger('4')).toBe(true);
    expect(isNonNegativeInteger('1500m')).toBe(false);
    expect(isNonNegativeInteger('-1')).toBe(false);
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
    expect(() => ceilDiv(1n, 0n)).toThrow(QuantityError);
    expect(formatUnits(3000n)).toBe('3');
    expect(formatUnits(1500n)).toBe('1500m');
  });
});
