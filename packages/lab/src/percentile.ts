/** Nearest-rank percentile, the one the CLI's reports use. */

/**
 * Nearest-rank percentile of `values` (p in 0..100): the smallest value with at least p% of the
 * values at or below it. NaN when empty. `values` need not be sorted and is not changed.
 *
 *   percentile([5, 1, 4, 2, 3], 50) === 3; percentile([1, 2, 3, 4], 90) === 4
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
