/** What `specmesh chaos` does when it runs; the command and its flags are described in commands/chaos.ts. */ import { performance } from 'node:perf_hooks';
import {
  chaosViolations,
  formatChaos,
  modelFlags,
  modelSpecOf,
  recoveryByKind,
  requirePositiveIntegers,
  runChaos,
} from '@specmesh/lab';
import { generateGreedy, loadModelFromSpec } from '@specmesh/models';
import { ConfigError } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import { type ChaosArgs, FAULTS, ROLES } from '../commands/chaos.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';

function listOf<T extends string>(values: readonly string[], allowed: readonly T[], option: string): T[] {
  const out = values.flatMap((v) => v.split(',')).filter((v) => v.length > 0);
  for (const v of out) {
    if (!allowed.includes(v as T)) {
      throw new ConfigError(`--${option} takes ${allowed.join(', ')}; got ${v}`, { context: { option } });
    }
  }
  return out as T[];
}

export async function runChaosCommand(args: ArgumentsCamelCase<ChaosArgs>): Promise<void> {
  requirePositiveIntegers(args, ['seconds', 'everyMs', 'concurrency', 'maxTokens', 'pauseMs', 'heartbeatMs']);
  for (const option of ['verifyTimeoutMs', 'batchTimeoutMs', 'submitTimeoutMs', 'submitAttemptMs'] as const) {
    const value = args[option];
    if (value !== undefined) requirePositiveIntegers<string>({ [option]: value }, [option]);
  }
  const victims = listOf(args.roles, ROLES, 'roles');
  const faults = listOf(args.faults, FAULTS, 'faults');
  if (args.natsNodes !== 1 && args.natsNodes !== 3) {
    throw new ConfigError(`--nats-nodes must be 1 or 3, got ${args.natsNodes}`, {
      context: { option: 'nats-nodes' },
    });
  }
  if (faults.includes('nats') && args.natsNodes !== 3) {
    throw new ConfigError('--faults nats needs --nats-nodes 3 (a cluster that survives a node)', {
      context: { option: 'faults' },
    });
  }
  const output = createOutput(args.json);
  const say = output.say;
  // The reference: the target model itself, greedy, in this process.
  const target = await loadModelFromSpec(modelSpecOf(args, 'target'));
  const references = new Map<string, number[]>();
  const promptIds = (prompt: string) =>
    Uint32Array.from(
      target.info.addBos === false
        ? target.tokenize(prompt)
        : [target.info.bosId, ...target.tokenize(prompt)],
    );
  const reference = async (prompt: string, maxTokens: number) => {
    let r = references.get(prompt);
    if (!r) {
      r = [...(await generateGreedy(target, `ref-${references.size}`, promptIds(prompt), maxTokens))];
      target.release(`ref-${references.size}`);
      references.set(prompt, r);
    }
    return r;
  };
  say(
    `• chaos for ${args.seconds} s (seed ${args.chaosSeed}): ${args.schedulers} scheduler, ${args.batchers} batcher, ${args.verifiers} verifier, ${args.drafters} drafter processes (${args.warmSpare ? 'each with a warm spare' : 'no warm spares'}) on ${args.natsNodes} nats-server(s); a fault (${faults.join('/')}) of [${victims.join(', ')}] every ${args.everyMs} ms …`,
  );
  const bar = createProgress('chaos', args.seconds, { enabled: !args.json });
  const started = performance.now();
  const elapsed = () => Math.min(args.seconds, Math.floor((performance.now() - started) / 1000));
  const tick = setInterval(() => bar.update(elapsed()), 250);
  let summary: Awaited<ReturnType<typeof runChaos>>;
  try {
    summary = await runChaos({
      seconds: args.seconds,
      everyMs: args.everyMs,
      victims,
      faults,
      pauseMs: args.pauseMs,
      concurrency: args.concurrency,
      maxTokens: args.maxTokens,
      seed: args.chaosSeed,
      ...(args.submitTimeoutMs !== undefined ? { submitTimeoutMs: args.submitTimeoutMs } : {}),
      ...(args.submitAttemptMs !== undefined ? { submitAttemptMs: args.submitAttemptMs } : {}),
      reference,
      cluster: {
        nodeBin: SPECMESH_BIN,
        natsNodes: args.natsNodes as 1 | 3,
        roles: {
          scheduler: args.schedulers,
          batcher: args.batchers,
          verifier: args.verifiers,
          drafter: args.drafters,
        },
        modelArgs: modelFlags(args),
        prefix: `chaos${args.chaosSeed}`,
        heartbeatMs: args.heartbeatMs,
        ...(args.verifyTimeoutMs !== undefined ? { verifyTimeoutMs: args.verifyTimeoutMs } : {}),
        ...(args.batchTimeoutMs !== undefined ? { batchTimeoutMs: args.batchTimeoutMs } : {}),
        warmSpare: args.warmSpare,
      },
      onFault: (f) =>
        bar.drawing ? bar.update(elapsed(), `${f.kind} ${f.victim}`) : say(`  ${f.kind} ${f.victim}`),
    });
  } finally {
    clearInterval(tick);
    bar.stop();
  }
  await (target as { close?: () => Promise<void> }).close?.();
  const violations = chaosViolations(summary);
  output.result({ ...summary, faults: undefined, recovery: recoveryByKind(summary), violations }, () =>
    formatChaos(summary),
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}
