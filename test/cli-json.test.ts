/**
 * `--json` of the CLI commands that start a cluster (`demo`, `up`, `bench dsi`, `bench rounds`, `bench llama`): stdout is JSON and
 * nothing else (one document, or for a serving `up` one "ready" line), with the real figures; the
 * steps they print for people went to stderr. Fast emulated models and small counts keep it quick.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { fastEmulatedFlags } from './helpers/emulated-flags.js';
import { within } from './helpers/within.js';

/** The only line of stdout, parsed; fails when stdout holds anything else. */
function onlyJson<T>(run: { code: number | null; stdout: string; stderr: string }): T {
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  const lines = run.stdout.trimEnd().split('\n');
  expect(lines, run.stdout).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('specmesh --json with a local cluster', () => {
  it('demo: round-trip percentiles, throughput and the members that served', async () => {
    const r = onlyJson<{
      actors: number;
      requests: number;
      taskBytes: number;
      roundTripUs: { p50: number; p90: number; p99: number };
      requestsPerSec: number;
      members: Array<{ id: string; role: string; served: number }>;
    }>(await runCli(['demo', '--actors', '2', '--requests', '60', '--json']));
    expect(r.actors).toBe(2);
    expect(r.taskBytes).toBeGreaterThan(100);
    expect(r.roundTripUs.p50).toBeGreaterThan(0);
    expect(r.roundTripUs.p99).toBeGreaterThanOrEqual(r.roundTripUs.p50);
    expect(r.requestsPerSec).toBeGreaterThan(0);
    expect(r.members.map((m) => m.id).sort()).toEqual(['echo-1', 'echo-2']);
    expect(r.members.reduce((s, m) => s + m.served, 0)).toBe(60);
  });

  it('up --demo: a run per mode, the same text in each, the speedups (two drafters lending to each other)', async () => {
    const run = await runCli([
      'up',
      '--demo',
      '--json',
      '--verifiers',
      '1',
      '--drafters',
      '2',
      '--lend-slots',
      '1',
      '--max-tokens',
      '12',
      ...fastEmulatedFlags(5),
    ]);
    const r = onlyJson<{
      processes: Record<string, number>;
      runs: Array<{ mode: string; tokens: number; tokenIds: number[]; draftedShare: number }>;
      sameText: boolean;
      speedup: { si: number; dsi: number; auto: number };
    }>(run);
    expect(r.processes).toEqual({ scheduler: 1, batcher: 1, verifier: 1, drafter: 2 });
    expect(r.runs.map((x) => x.mode)).toEqual(['nonsi', 'si', 'dsi', 'auto']);
    for (const x of r.runs) expect(x.tokenIds).toEqual(r.runs[0]!.tokenIds);
    expect(r.runs[0]!.tokens).toBe(12);
    expect(r.runs[0]!.draftedShare).toBe(0);
    expect(r.runs[1]!.draftedShare).toBeGreaterThan(0);
    expect(r.sameText).toBe(true);
    expect(r.speedup.si).toBeGreaterThan(0);
    expect(r.speedup.auto).toBeGreaterThan(0);
    // The steps people read went to stderr.
    expect(run.stderr).toContain('all 5 joined');
  });

  it('up: one "ready" line with the gateway and NATS URLs, and the gateway answers there', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI, 'up', '--json', '--verifiers', '1', '--gateway-port', String(port), ...fastEmulatedFlags(6)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
        });
        void exited.then((code) => reject(new Error(`up exited with ${code}: ${stderr.slice(-2000)}`)));
      });
      const ready = JSON.parse(line) as {
        event: string;
        gateway: string;
        openai: string;
        nats: string[];
        embeddedNats: boolean;
        processes: Record<string, number>;
      };
      expect(ready).toMatchObject({
        event: 'ready',
        gateway: `http://127.0.0.1:${port}`,
        openai: `http://127.0.0.1:${port}/v1`,
        embeddedNats: true,
        processes: { scheduler: 1, batcher: 1, verifier: 1, drafter: 1, gateway: 1 },
      });
      expect(ready.nats[0]).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      // Every role joined before the line: the gateway serves at once.
      const health = await fetch(`${ready.gateway}/health`);
      expect(health.ok).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('• serving');
  });

  it('bench dsi --quick: cluster and virtual time of each mode at the DSI fixture, tasks sent directly and through the batcher, and SSD-DSI on a lending drafter', async () => {
    const run = await runCli([
      'bench',
      'dsi',
      '--quick',
      '--repeats',
      '1',
      '--tokens',
      '6',
      '--routes',
      'direct,batcher',
      '--predrafters',
      '1',
      '--json',
    ]);
    const r = onlyJson<{
      bench: string;
      repeats: number;
      points: Array<{
        config: { a: number; k: number; targets: number; tokens: number };
        rows: Array<{
          mode: string;
          route: string;
          predrafters: number;
          cluster: number;
          virtual: number;
          predraft?: { requests: number; lenderMs: number };
        }>;
      }>;
    }>(run);
    expect(r.bench).toBe('dsi');
    expect(r.points).toHaveLength(1);
    expect(r.points[0]!.config).toMatchObject({ a: 0.94, k: 5, targets: 4, tokens: 6 });
    const rows = r.points[0]!.rows;
    expect(rows.map((x) => `${x.mode}/${x.route}/${x.predrafters}`)).toEqual([
      'nonsi/direct/0',
      'nonsi/batcher/0',
      'si/direct/0',
      'si/batcher/0',
      'dsi/direct/0',
      'dsi/batcher/0',
      'dsi/direct/1',
    ]);
    // The SSD-DSI row reports its pre-drafting (the session found the lender).
    expect(rows.at(-1)!.predraft).toBeDefined();
    for (const x of rows) {
      expect(x.virtual).toBeGreaterThan(0);
      // Real time pays every network hop on top of the virtual-time prediction.
      expect(x.cluster).toBeGreaterThan(x.virtual * 0.9);
    }
  });

  it("bench rounds --quick: each route's round split into components that add up to the round", async () => {
    const run = await runCli([
      'bench',
      'rounds',
      '--quick',
      '--repeats',
      '1',
      '--tokens',
      '12',
      '--target-tpot-ms',
      '4',
      '--json',
    ]);
    const r = onlyJson<{
      bench: string;
      targetStepMs: number;
      rows: Array<{
        route: string;
        rounds: number;
        perRound: Record<string, number>;
        overheadPerToken: number;
      }>;
      codec: { taskUs: number; resultUs: number };
    }>(run);
    expect(r.bench).toBe('rounds');
    expect(r.rows.map((x) => x.route)).toEqual(['direct', 'batcher']);
    for (const x of r.rows) {
      expect(x.rounds).toBeGreaterThan(0);
      const p = x.perRound;
      // The emulated target's step is measured inside its worker: at least its configured latency.
      expect(p.targetModel!).toBeGreaterThanOrEqual(4 * 0.9);
      expect(p.hops!).toBeGreaterThan(0);
      // The parts of a round never exceed the round: hops, queue and step are a task's span.
      expect(p.hops! + p.verifierQueue! + p.targetModel! + p.targetHandoff!).toBeLessThanOrEqual(
        p.round! * 1.01,
      );
    }
    expect(r.codec.taskUs).toBeGreaterThan(0);
  });

  it(
    'bench llama: verify cost per k and tokens/s of every method on a tiny synthetic pair',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'specmesh-bench-json-'));
      try {
        const target = join(dir, 't.gguf');
        const drafter = join(dir, 'd.gguf');
        await writeSyntheticTarget({ out: target });
        await writeSyntheticDrafter({ from: target, out: drafter, agreement: 0.8 });
        const run = await runCli([
          'bench',
          'llama',
          '--model',
          target,
          '--draft-model',
          drafter,
          '--repeats',
          '1',
          '--tokens',
          '8',
          // One verifier for DSI: the JSON's shape is under test, and each verifier loads the model.
          '--dsi-targets',
          '1',
          '--json',
        ]);
        const r = onlyJson<{
          bench: string;
          config: { targetPath: string; tokens: number; k: number };
          verifyCost: Array<{ k: number; ms: number }>;
          rows: Array<
            Record<
              'plain' | 'builtin' | 'nonsi' | 'si' | 'dsi' | 'nonsiBatcher' | 'siBatcher' | 'siDrafted',
              number
            >
          >;
        }>(run);
        expect(r.bench).toBe('llama');
        expect(r.config).toMatchObject({ targetPath: target, tokens: 8, k: 4 });
        expect(r.verifyCost.map((x) => x.k)).toEqual([0, 1, 2, 4, 8]);
        for (const x of r.verifyCost) expect(x.ms).toBeGreaterThan(0);
        expect(r.rows).toHaveLength(1);
        for (const m of ['plain', 'builtin', 'nonsi', 'si', 'dsi', 'nonsiBatcher', 'siBatcher'] as const)
          expect(r.rows[0]![m]).toBeGreaterThan(0);
        expect(r.rows[0]!.siDrafted).toBeGreaterThan(0);
        // The steps went to stderr.
        expect(run.stderr).toContain('repeat 1 of 1');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    within(90_000),
  );
});
