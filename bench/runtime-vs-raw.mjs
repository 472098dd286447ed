#!/usr/bin/env node
/**
 * Request/reply over the specmesh runtime vs a raw @nats-io client, same payloads, same server, one run
 * (the harness is @specmesh/lab's; `specmesh bench runtime` runs the same).
 *
 * Usage: node bench/runtime-vs-raw.mjs [--requests 20000] [--rounds 10] [--baseline <dir>/packages/runtime/dist/index.js] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { formatRuntimeVsRaw, runRuntimeVsRaw } from '@specmesh/lab';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const r = await runRuntimeVsRaw({
  requests: Number(arg('requests', '20000')),
  rounds: Number(arg('rounds', '10')),
  ...(arg('baseline', undefined) ? { baseline: arg('baseline', undefined) } : {}),
});
console.log(formatRuntimeVsRaw(r));
const out = arg('json', undefined);
if (out)
  writeFileSync(
    out,
    `${JSON.stringify({ report: r.report, ratio: r.ratio, overFloor: r.overFloor, overBaseline: r.overBaseline, taskBytes: r.taskBytes }, null, 2)}\n`,
  );
