#!/usr/bin/env node
/**
 * Same as `specmesh sim dsi`: non-SI, SI and DSI in virtual time on the DSI paper's grid and at its
 * online fixture. Usage: node bench/dsi-sim.mjs [--tokens 1000] [--repeats 5]
 */
import { formatDsiFixture, formatDsiGrid, runDsiFixture, runDsiGrid } from '@specmesh/lab';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const tokens = arg('tokens', 1000);
const repeats = arg('repeats', 5);
console.log(formatDsiGrid(runDsiGrid(tokens, repeats), tokens, repeats));
console.log('');
console.log(formatDsiFixture(runDsiFixture(repeats)));
