import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapBudget } from './heap-budget';

/** Garbage that only a full collection frees: long-lived enough to reach the old generation. */
function oldGarbage(mb: number): void {
  let keep: string[][] = [];
  for (let i = 0; i < mb; i++)
    keep.push(Array.from({ length: 16_384 }, (_, j) => `${i}-${j}-${'x'.repeat(16)}`));
  keep = [];
  void keep;
}

describe('HeapBudget', () => {
  it('can collect on demand without a command-line flag', () => {
    expect(new HeapBudget().available).toBe(true);
  });

  it('collects once the heap outgrows growthFactor × the last live size, and not before', () => {
    const budget = new HeapBudget({ floorMb: 1, growthFactor: 1.2 });
    budget.check();
    // Right after a collection the heap is at its live size: no second collection.
    expect(budget.check()).toBe(false);
    const live = getHeapStatistics().used_heap_size;
    const collected = budget.collections;
    oldGarbage(64);
    const before = getHeapStatistics().used_heap_size;
    expect(before).toBeGreaterThan(budget.budgetBytes);
    expect(budget.check()).toBe(true);
    const after = getHeapStatistics().used_heap_size;
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThan(live * 1.5);
    expect(budget.check()).toBe(false);
    expect(budget.collections).toBe(collected + 1);
  });

  it('does nothing below the floor', () => {
    const budget = new HeapBudget({ floorMb: 100_000 });
    oldGarbage(8);
    expect(budget.check()).toBe(false);
    expect(budget.collections).toBe(0);
  });
});
