/**
 * How much a per-request figure grew over a run: the least-squares slope of the figure against arrival
 * time, times the time the arrivals span, counted only when the slope is clearly not noise (more than
 * two standard errors above zero). A cluster that keeps up shows no such growth; one that does not
 * shows its queues growing in every request's latency.
 *
 * @example
 *   trendGrowth([0, 1000, 2000, 3000], [40, 42, 44, 46]) // 6: 2 ms more per second, over 3 s
 *   trendGrowth([0, 1000, 2000, 3000], [40, 46, 40, 46]) // 0: no clear trend
 */
export function trendGrowth(times: readonly number[], values: readonly number[]): number {
  const n = Math.min(times.length, values.length);
  if (n < 3) return 0;
  let mt = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mt += times[i]!;
    mv += values[i]!;
  }
  mt /= n;
  mv /= n;
  let stt = 0;
  let stv = 0;
  for (let i = 0; i < n; i++) {
    stt += (times[i]! - mt) ** 2;
    stv += (times[i]! - mt) * (values[i]! - mv);
  }
  if (stt === 0) return 0;
  const slope = stv / stt;
  let residual = 0;
  for (let i = 0; i < n; i++) residual += (values[i]! - mv - slope * (times[i]! - mt)) ** 2;
  const standardError = Math.sqrt(residual / (n - 2) / stt);
  if (!(slope > 2 * standardError)) return 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, times[i]!);
    hi = Math.max(hi, times[i]!);
  }
  return slope * (hi - lo);
}
