import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: within(60_000),
    env: { ...process.env },
  });

describe('specmesh CLI', () => {
  it('demo: runs a local cluster end to end and reports latency and membership', () => {
    const r = run('demo', '--actors', '2', '--requests', '300');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('starting an embedded nats-server');
    expect(r.stdout).toContain('2 actor(s) joined (heard by heartbeat); 2 echo actor(s) in the cluster');
    expect(r.stdout).toMatch(/round trip µs: p50 \d+ {2}p90 \d+ {2}p99 \d+/);
    // Both actor processes took part (queue group) and appear in the membership table.
    const served = [...r.stdout.matchAll(/echo-(\d) +role echo +v0\.1\.0 +served (\d+)/g)].map((m) =>
      Number(m[2]),
    );
    expect(served).toHaveLength(2);
    expect(served.reduce((a, b) => a + b, 0)).toBe(300);
    expect(r.stdout.trim().endsWith('done.')).toBe(true);
  });

  it('exits 2 with a clear message on bad usage or configuration', () => {
    const unknown = run('bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: bogus');
    const badCount = run('demo', '--actors', '0');
    expect(badCount.status).toBe(2);
    expect(badCount.stderr).toContain('E_CONFIG: --actors must be a positive integer');
    // Validation stops the command before it runs: no connection attempt is made.
    const badRole = run('node', '--role', 'bogus', '--nats', 'nats://127.0.0.1:1');
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('Invalid values');
    expect(badRole.stderr).not.toContain('E_CONNECTION');
    const noNats = run('node', '--role', 'echo');
    expect(noNats.status).toBe(2);
    expect(noNats.stderr).toContain('needs --nats');
    // A weights file AWC cannot use stops the node before it joins, naming the file.
    const badWeights = run(
      'node',
      '--role',
      'drafter',
      '--awc-weights',
      '/nonexistent/awc.json',
      '--nats',
      'nats://127.0.0.1:1',
    );
    expect(badWeights.status).toBe(2);
    expect(badWeights.stderr).toContain('E_CONFIG: cannot read AWC weights file /nonexistent/awc.json');
    expect(badWeights.stderr).not.toContain('E_CONNECTION');
  });

  it('exits 4 when NATS cannot be reached', () => {
    const r = run('node', '--role', 'echo', '--nats', 'nats://127.0.0.1:1');
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('E_CONNECTION: cannot connect to NATS at nats://127.0.0.1:1');
  });

  it('prints help that explains each command and the exit codes', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('specmesh demo');
    expect(r.stdout).toContain('specmesh node');
    expect(r.stdout).toContain('Exit codes: 0 ok');
  });

  it('sim dsi: in virtual time DSI is never slower than non-SI at any grid point', () => {
    const r = run('sim', 'dsi', '--tokens', '120', '--repeats', '2');
    expect(r.status).toBe(0);
    // Row: c a k tgt non-SI SI DSI SI/non DSI/SI DSI/non DSI/min
    const rows = r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter((cols) => cols.length === 11 && cols.every((x) => Number.isFinite(x)));
    expect(rows.length).toBeGreaterThan(30);
    for (const cols of rows) expect(cols[9]).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toMatch(/online fixture .*\n {2}non-SI [\d.]+ ms {2}SI [\d.]+ ms {2}DSI [\d.]+ ms/);
  });
});
