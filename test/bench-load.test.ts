/**
 * `specmesh bench load --quick --json` through the built CLI: a process cluster (cloud nats-server,
 * edge leaf behind a delay proxy, every role its own `specmesh node`) measured in every mode. It
 * checks what the benchmark must get right whatever the machine's load: it finishes, every cell has
 * every mode with tokens flowing, and every mode's greedy output is non-SI's, prompt by prompt. No
 * timing is asserted: the figures are a benchmark's, read in docs/benchmarks/load.md.
 *
 * The pure pieces it rests on (option rules, the mode rotation, the output check) are tested first.
 */
import type { RequestMode } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { checkOutputs, roundOrder } from '../packages/lab/src/bench/load-cell.js';
import { drafterProcesses } from '../packages/lab/src/bench/load-cluster.js';
import { resolveLoadBenchOptions } from '../packages/lab/src/bench/load-options.js';
import { runCli } from './helpers/cli.js';
import { within } from './helpers/within.js';

describe('bench load: options and checks', () => {
  it('resolves the full and quick grids, and requests never fewer than the clients', () => {
    const full = resolveLoadBenchOptions();
    expect(full.concurrency).toEqual([1, 4, 16, 64]);
    expect(full.rttMs).toEqual([1, 20]);
    expect(full.modes).toEqual(['nonsi', 'si', 'dsi', 'auto']);
    expect(full.requestsFor(1)).toBe(8);
    expect(full.requestsFor(64)).toBe(128);
    const quick = resolveLoadBenchOptions({ quick: true });
    expect(quick.concurrency).toEqual([1, 8]);
    expect(quick.rttMs).toEqual([1]);
    expect(resolveLoadBenchOptions({ requests: 3 }).requestsFor(16)).toBe(16);
  });

  it('rejects bad values, naming the flag', () => {
    expect(() => resolveLoadBenchOptions({ concurrency: [0] })).toThrow(/--concurrency/);
    expect(() => resolveLoadBenchOptions({ rttMs: [-1] })).toThrow(/--rtt/);
    expect(() => resolveLoadBenchOptions({ modes: ['si', 'si'] })).toThrow(/--modes/);
    expect(() => resolveLoadBenchOptions({ modes: ['fast' as never] })).toThrow(/--modes/);
    expect(() => resolveLoadBenchOptions({ tokens: 1.5 })).toThrow(/--tokens/);
  });

  it('rotates the modes each round and gives every session a drafter device, with spares', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(drafterProcesses(64, 1)).toBe(80);
    expect(drafterProcesses(1, 1)).toBe(2);
    expect(drafterProcesses(64, 64)).toBe(2);
  });

  it('counts a mode whose output differs from non-SI as a mismatch, and one with no output as uncompared', () => {
    const outputs = new Map<string, Map<RequestMode, number[]>>([
      [
        'p1',
        new Map<RequestMode, number[]>([
          ['nonsi', [1, 2, 3]],
          ['si', [1, 2, 3]],
          ['dsi', [1, 2, 4]],
        ]),
      ],
      ['p2', new Map<RequestMode, number[]>([['nonsi', [5]]])],
    ]);
    const check = checkOutputs(outputs, ['nonsi', 'si', 'dsi']);
    expect(check).toMatchObject({ reference: 'nonsi', prompts: 2, mismatches: 1, uncompared: 2 });
    expect(check.examples[0]).toEqual({ prompt: 'p1', mode: 'dsi' });
  });
});

interface QuickReport {
  bench: string;
  machine: { node: string; cpus: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  cells: Array<{
    concurrency: number;
    rttMs: number;
    modes: Array<{ mode: string; tokens: number; tokensPerSec: number; failures: unknown[] }>;
    outputs: { reference: string; prompts: number; mismatches: number; uncompared: number };
    sim: Record<string, { tokensPerSec: number; ratio: number }>;
  }>;
  summary: { mismatches: number; failures: number };
}

describe('bench load --quick (process cluster)', () => {
  // Generous for a busy machine: the run itself takes well under a minute on two idle cores.
  it('measures every mode in every cell, and every greedy output equals non-SI’s', {
    timeout: within(300_000),
  }, async () => {
    // The quick grid without its warm-up and with short outputs: what is checked is that every mode
    // runs and agrees, not how fast.
    const run = await runCli(['bench', 'load', '--quick', '--no-warmup', '--tokens', '16', '--json']);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines, run.stdout).toHaveLength(1);
    const r = JSON.parse(lines[0]!) as QuickReport;
    expect(r.bench).toBe('load');
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.machine.loadAverageEnd).toHaveLength(3);
    expect(r.cells.map((c) => [c.concurrency, c.rttMs])).toEqual([
      [1, 1],
      [8, 1],
    ]);
    for (const c of r.cells) {
      expect(c.modes.map((m) => m.mode)).toEqual(['nonsi', 'si', 'dsi', 'auto']);
      for (const m of c.modes) {
        expect(m.tokens).toBeGreaterThan(0);
        expect(m.tokensPerSec).toBeGreaterThan(0);
        expect(m.failures).toEqual([]);
        expect(c.sim[m.mode]!.tokensPerSec).toBeGreaterThan(0);
      }
      expect(c.outputs.reference).toBe('nonsi');
      expect(c.outputs.prompts).toBeGreaterThanOrEqual(c.concurrency);
      expect(c.outputs.mismatches).toBe(0);
      expect(c.outputs.uncompared).toBe(0);
    }
    expect(r.summary).toMatchObject({ mismatches: 0, failures: 0 });
    // The people's report went to stderr only as the machine line; stdout held the JSON alone.
    expect(run.stderr).toContain('bench load: node');
  });
});
