/**
 * Chaos with real processes (`specmesh chaos`): while requests run, role processes are killed
 * (SIGKILL, the supervisor restarts them) and paused (SIGSTOP, later SIGCONT), and on a 3-server NATS
 * cluster a NATS node is killed and restarted. Every request must complete with the target's own
 * greedy output, no stream may skip or repeat a token, and afterwards no instance may report work in
 * flight and the servers must hold exactly the subscriptions they held before the first request.
 * Seeded; each run is a short sample of the soak (`specmesh chaos --seconds 300`), shorter still in
 * the quick form of `npm test` (test/helpers/full.ts). Every role runs at a deployment's default
 * timeouts (chaos's own default), so the samples show what a deployment recovers in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fastEmulatedFlags } from '../helpers/emulated-flags.js';
import { FULL, quickOrFull } from '../helpers/full.js';
import { within } from '../helpers/within.js';

interface ChaosJson {
  requests: number;
  identical: number;
  different: number;
  failed: Record<string, number>;
  brokenStreams: number;
  moves: number;
  restarts: number;
  leftoverLoad: number;
  subscriptions: { before: number; after: number; extra: string[] };
  recovery: Array<{ kind: string; faults: number; unrecovered: number; max: number }>;
  longestStall?: { requestId: string; ms: number };
  violations: string[];
}

async function chaos(args: string[]): Promise<ChaosJson> {
  const run = await runCli(['chaos', '--json', ...args]);
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  let summary: ChaosJson;
  try {
    summary = JSON.parse(last) as ChaosJson;
  } catch {
    throw new Error(`chaos printed no summary (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  }
  // Printed by vitest with the test: the figures behind docs/reliability.md.
  console.log(JSON.stringify({ args: args.join(' '), ...summary }));
  return summary;
}

/** What every chaos run must show, whatever was hit. */
function expectNothingLost(s: ChaosJson, faultKinds: string[]) {
  expect(s.violations).toEqual([]);
  expect(s.requests).toBeGreaterThan(10);
  expect(s.identical).toBe(s.requests);
  expect(s.failed).toEqual({});
  expect(s.brokenStreams).toBe(0);
  expect(s.leftoverLoad).toBe(0);
  expect(s.subscriptions.after).toBe(s.subscriptions.before);
  const kinds = s.recovery.map((r) => r.kind.split(':')[0]);
  for (const k of faultKinds) expect(kinds).toContain(k);
  expect(s.recovery.every((r) => r.unrecovered === 0)).toBe(true);
}

describe('chaos: killing and pausing actors loses nothing and changes no output', () => {
  it(
    'emulated backend: kills and pauses of schedulers, batchers, verifiers and drafters',
    async () => {
      const s = await chaos([
        '--seconds',
        quickOrFull('8', '12'),
        '--every-ms',
        '800',
        '--faults',
        'kill,pause',
        '--pause-ms',
        quickOrFull('1000', '2000'),
        '--concurrency',
        '6',
        '--chaos-seed',
        '11',
        ...fastEmulatedFlags(11),
      ]);
      expectNothingLost(s, ['kill', 'pause']);
      expect(s.restarts).toBeGreaterThan(0);
    },
    within(120_000),
  );

  it(
    'a single scheduler and a single batcher killed and paused at default timeouts: nothing lost, no long stall',
    async () => {
      const s = await chaos([
        '--seconds',
        quickOrFull('8', '20'),
        '--every-ms',
        '2500',
        '--faults',
        'kill,pause',
        '--pause-ms',
        '1500',
        '--roles',
        'scheduler,batcher',
        '--schedulers',
        '1',
        '--batchers',
        '1',
        '--concurrency',
        '4',
        '--chaos-seed',
        '14',
        ...fastEmulatedFlags(14),
      ]);
      expectNothingLost(s, ['kill']);
      // A lost first task used to wait out the 10 s verify timeout, a submit to a restarting
      // scheduler failed after about 1.5 s; a restart now costs about the restart itself.
      expect(s.longestStall?.ms ?? 0).toBeLessThan(Math.max(9000, within(5000)));
    },
    within(120_000),
  );

  it(
    'a 3-server NATS cluster losing a node while drafters and verifiers are killed',
    async () => {
      const s = await chaos([
        '--seconds',
        quickOrFull('9', '12'),
        '--every-ms',
        '1500',
        '--concurrency',
        '6',
        '--nats-nodes',
        '3',
        '--faults',
        'nats,kill',
        '--roles',
        'drafter,verifier',
        '--chaos-seed',
        '12',
        ...fastEmulatedFlags(12),
      ]);
      expectNothingLost(s, ['kill']);
      expect(s.recovery.some((r) => r.kind === 'kill:nats-node')).toBe(true);
    },
    within(120_000),
  );

  // Full form only: role processes on real models load node-llama-cpp and their GGUF files on every
  // restart, the heaviest minute of the suite; the quick form's llama coverage is test/llama-cluster.
  it.runIf(FULL)(
    'real GGUF models (node-llama-cpp): drafters and verifiers killed and paused',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'specmesh-chaos-llama-'));
      try {
        const target = join(dir, 'target.gguf');
        const drafter = join(dir, 'drafter.gguf');
        await writeSyntheticTarget({ out: target, layers: 2, dim: 64, vocab: 512, seed: 31 });
        await writeSyntheticDrafter({ from: target, out: drafter, agreement: 0.8, seed: 32 });
        const s = await chaos([
          '--seconds',
          '10',
          '--every-ms',
          '2000',
          '--faults',
          'kill,pause',
          '--roles',
          'drafter,verifier',
          '--schedulers',
          '1',
          '--batchers',
          '1',
          '--verifiers',
          '3',
          '--drafters',
          '2',
          '--concurrency',
          '3',
          '--chaos-seed',
          '13',
          '--backend',
          'llama',
          '--model',
          target,
          '--draft-model',
          drafter,
          '--llama-threads',
          '1',
        ]);
        expectNothingLost(s, ['kill']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    within(150_000),
  );
});
