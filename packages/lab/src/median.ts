/**
 * The median of `values`: the middle one of an odd count, the mean of the two middle ones of an even
 * count (never the slower of two). NaN when empty. `values` need not be sorted and is not changed.
 *
 *   median([3, 1, 2]) === 2; median([4, 1, 2, 3]) === 2.5
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
