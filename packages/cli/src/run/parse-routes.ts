/** `--routes direct,batcher`: the verify routes a benchmark compares (bench dsi, bench rounds). */
import type { VerifyRouteName } from '@specmesh/lab';
import { ConfigError } from '@specmesh/protocol';

/** @throws ConfigError naming the flag and the unknown route. */
export function parseRoutes(list: string): VerifyRouteName[] {
  const routes = [...new Set(list.split(',').map((r) => r.trim()))];
  for (const r of routes) {
    if (r !== 'direct' && r !== 'batcher')
      throw new ConfigError(`--routes: unknown route ${JSON.stringify(r)} (use direct, batcher)`);
  }
  return routes as VerifyRouteName[];
}
