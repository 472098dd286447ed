#!/usr/bin/env node
/**
 * Bytes on the wire per committed token, per mode, for lean verify tasks against naive ones (the whole
 * prefix every time, dense draft distributions); see @specmesh/lab's bench/wire-bytes.ts for how it
 * measures. `specmesh bench wire-bytes` runs the same.
 *
 *   node bench/wire-bytes.mjs [--requests 12] [--max-tokens 96] [--prompt-words 60]
 */
import { parseArgs } from 'node:util';
import { formatWireBytes, runWireBytes } from '@specmesh/lab';

const { values: o } = parseArgs({
  options: {
    requests: { type: 'string', default: '12' },
    'max-tokens': { type: 'string', default: '96' },
    'prompt-words': { type: 'string', default: '60' },
  },
});
const report = await runWireBytes({
  requests: Number(o.requests),
  maxTokens: Number(o['max-tokens']),
  promptWords: Number(o['prompt-words']),
});
console.log(formatWireBytes(report));
