/**
 * What `specmesh bench llama` does when it runs; the command and its flags are described in
 * commands/bench-llama.ts.
 */ import {
  ensureDemoPair,
  formatLlamaBench,
  formatVerifyCost,
  type LlamaBenchConfig,
  llamaBenchRuns,
  measureVerifyCost,
  runLlamaBench,
} from '@specmesh/lab';
import { ConfigError } from '@specmesh/protocol/errors';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchLlamaArgs } from '../commands/bench-llama.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';

const VERIFY_COST_KS = [0, 1, 2, 4, 8];

export async function runBenchLlama(args: ArgumentsCamelCase<BenchLlamaArgs>): Promise<void> {
  const output = createOutput(args.json);
  // Steps go to stderr whatever the mode: stdout holds the figures only.
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let targetPath: string;
  let drafters: Array<{ label: string; path: string }>;
  if (args.model || args.draftModel) {
    if (!args.model || !args.draftModel)
      throw new ConfigError('bench llama needs both --model and --draft-model, or neither (synthetic pairs)');
    targetPath = args.model;
    drafters = [{ label: 'given', path: args.draftModel }];
  } else {
    const agreements = args.quick ? [0.7] : args.agreements.split(',').map(Number);
    const pairs = [];
    // One after another: the first call makes the shared target, the others reuse it.
    for (const a of agreements) pairs.push(await ensureDemoPair(a, say));
    targetPath = pairs[0]!.target;
    drafters = pairs.map((p, i) => ({ label: String(agreements[i]), path: p.drafter }));
  }
  const cfg: LlamaBenchConfig = {
    targetPath,
    drafters,
    tokens: args.tokens ?? (args.quick ? 16 : 50),
    k: args.k,
    threads: args.threads,
    dsiTargets: args.dsiTargets,
    repeats: args.repeats ?? (args.quick ? 1 : 3),
    prompt: 'The cluster speaks',
    logLevel: args.logLevel,
  };
  const enabled = !args.json;
  const costBar = createProgress('verify cost', VERIFY_COST_KS.length, { enabled });
  let verifyCost: Awaited<ReturnType<typeof measureVerifyCost>>;
  try {
    verifyCost = await measureVerifyCost(targetPath, VERIFY_COST_KS, args.threads, undefined, (done) =>
      costBar.update(done),
    );
  } finally {
    costBar.stop();
  }
  output.text(`target ${targetPath}\n${formatVerifyCost(verifyCost, args.threads)}\n\n`);
  const bar = createProgress('bench llama', llamaBenchRuns(cfg), { enabled });
  let done = 0;
  let rows: Awaited<ReturnType<typeof runLlamaBench>>;
  try {
    rows = await runLlamaBench(
      cfg,
      // On a terminal the bar shows the step; elsewhere each step is a line on stderr.
      (line) => (bar.drawing ? bar.update(done, line) : say(line)),
      (n) => {
        done = n;
        bar.update(n);
      },
    );
  } finally {
    bar.stop();
  }
  const { prompt: _prompt, logLevel: _logLevel, ...config } = cfg;
  output.result({ bench: 'llama', config, verifyCost, rows }, () => formatLlamaBench(cfg, rows));
}
