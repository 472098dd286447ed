/**
 * Every benchmark is a `specmesh bench <name>` with its own help, `--quick` and `--json`. The light
 * ones run here in their quickest form; the cluster ones (dsi, load, llama) have tests of their own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** `specmesh bench <args>` as a child process; resolves with its exit status and output. */
function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'bench', ...args],
      { encoding: 'utf8', timeout: within(120_000) },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

const BENCHES = [
  'dsi',
  'llama',
  'load',
  'runtime',
  'control-plane',
  'gateway-overhead',
  'wire-bytes',
  'signing',
  'worker-wakeup',
  'sim-speed',
  'cli-startup',
  'restart',
  'dsi-sim',
  'sim-validate',
];

// The commands are independent child processes: they run side by side, each given up to its command's
// limit, and so is its test, whatever the default limit the load at the suite's start gave (the
// suite's own load comes later).
describe.concurrent('specmesh bench', { timeout: within(120_000) }, () => {
  it.each(BENCHES)('bench %s --help offers --quick and --json', async (name) => {
    const r = await run(name, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`specmesh bench ${name}`);
    expect(r.stdout).toContain('--quick');
    expect(r.stdout).toContain('--json');
  });

  it('bench signing --quick --json: sign and check cost per round, for each round size', async () => {
    const r = await run('signing', '--quick', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.bench).toBe('signing');
    expect(report.rows.map((w: { tokens: number }) => w.tokens)).toEqual([1, 5, 9, 17]);
    for (const row of report.rows) expect(row.signUs > 0 && row.verifyUs > 0).toBe(true);
  });

  it('bench worker-wakeup --quick --json: one round trip per idle time', async () => {
    const r = await run('worker-wakeup', '--quick', '--messages', '20', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.bench).toBe('worker-wakeup');
    expect(report.rows.map((w: { idleMs: number }) => w.idleMs)).toEqual([0, 1, 5, 10]);
  });

  it('bench sim-speed: the median is one of an odd number of runs', async () => {
    const r = await run('sim-speed', '--requests', '100', '--runs', '3', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.runs).toHaveLength(3);
    const walls = report.runs.map((x: { wallMs: number }) => x.wallMs).sort((a: number, b: number) => a - b);
    expect(report.medianWallMs).toBe(walls[1]);
    const even = await run('sim-speed', '--requests', '100', '--runs', '2');
    expect(even.status).toBe(2);
    expect(even.stderr).toContain('--runs must be an odd positive integer');
  });

  it('bench runtime --json: both sides measured on the same payload', async () => {
    const r = await run('runtime', '--quick', '--requests', '200', '--rounds', '2', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.report.runtime.n).toBe(200);
    expect(report.report.raw.n).toBe(200);
    expect(report.taskBytes).toBeGreaterThan(0);
  });

  it('bench control-plane --json: admissions and verify tasks pass, none fails, the measured process is timed', async () => {
    const r = await run('control-plane', '--quick', '--seconds', '0.5', '--inflight', '16', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as {
      figures: Array<{
        stage: string;
        instances: number;
        completed: number;
        errors: number;
        measuredCpu: number;
      }>;
    };
    expect(report.figures.map((f) => [f.stage, f.instances])).toEqual([
      ['admissions', 1],
      ['verify-tasks', 1],
    ]);
    for (const f of report.figures) {
      expect(f.completed, f.stage).toBeGreaterThan(0);
      expect(f.errors, f.stage).toBe(0);
      expect(f.measuredCpu, f.stage).toBeGreaterThan(0);
    }
  });

  it('bench wire-bytes --json: lean saves bytes against naive wherever both runs send the same tasks', async () => {
    const r = await run(
      'wire-bytes',
      '--requests',
      '2',
      '--max-tokens',
      '12',
      '--prompt-words',
      '10',
      '--json',
    );
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.rows).toHaveLength(5);
    type Row = { config: string; lean: number; naive: number; leanTasks: number; fullTasks: number };
    for (const row of report.rows as Row[]) {
      expect(row.lean).toBeGreaterThan(0);
      expect(row.leanTasks).toBeGreaterThan(0);
      // DSI's parallel tasks follow timing (how far drafting runs ahead), and a loaded machine re-issues
      // tasks that time out (a lean run sent more bytes per token than the naive one once, at the
      // suite's peak), so two runs may send different tasks: compared where their counts agree, as
      // every SI and non-SI run's do on a calm machine.
      if (row.config.startsWith('dsi') || row.leanTasks !== row.fullTasks) continue;
      expect(row.naive, row.config).toBeGreaterThanOrEqual(row.lean);
    }
  });

  it('bench gateway-overhead --json: both paths timed, the difference is what the gateway adds', async () => {
    const r = await run('gateway-overhead', '--quick', '--latency-only', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.latencyMs.direct.n).toBeGreaterThan(0);
    expect(report.latencyMs.gateway.n).toBeGreaterThan(0);
    expect(report.latencyMs.addedP50).toBeCloseTo(report.latencyMs.gateway.p50 - report.latencyMs.direct.p50);
  });

  it('bench restart --json: a killed batcher is back, by a promotion with a warm spare', async () => {
    const r = await run('restart', '--quick', '--roles', 'batcher', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.bench).toBe('restart');
    expect(report.rows).toMatchObject([
      { role: 'batcher', warmSpare: false, promotions: 0 },
      { role: 'batcher', warmSpare: true, promotions: 1 },
    ]);
    for (const row of report.rows) expect(row.restartMs).toHaveLength(1);
    expect(report.rows[1].spareRssMb).toBeGreaterThan(0);
  });

  it('bench cli-startup --json: help and a batcher timed, without the simulator or the gateway', async () => {
    const r = await run('cli-startup', '--quick', '--roles', 'batcher', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.help.wallMs).toHaveLength(1);
    expect(report.roles.map((f: { what: string }) => f.what)).toEqual(['node --role batcher']);
    for (const f of [report.help, ...report.roles]) {
      expect(f.packages['@specmesh/sim']).toBeUndefined();
      expect(f.packages['@specmesh/gateway']).toBeUndefined();
      expect(f.packages.fastify).toBeUndefined();
    }
  });
});
