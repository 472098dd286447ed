#!/usr/bin/env node
/**
 * Same as `specmesh bench dsi --quick`: the DSI fixture on a real cluster of actors, each mode beside
 * its virtual-time prediction. Usage: node bench/cluster-dsi.mjs [--repeats 3] [--tokens 50]
 */
import { DSI_FIXTURE, formatClusterDsi, runClusterDsi } from '@specmesh/lab';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const repeats = arg('repeats', 3);
const cfg = { ...DSI_FIXTURE, tokens: arg('tokens', DSI_FIXTURE.tokens) };
console.log(formatClusterDsi(cfg, await runClusterDsi(cfg, repeats), repeats));
