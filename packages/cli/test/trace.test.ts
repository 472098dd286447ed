/** `specmesh trace`: the built binary against a stand-in gateway (plain node:http) serving one timeline. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { RequestTimeline } from '@specmesh/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTimeline } from '../src/run/trace.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const timeline: RequestTimeline = {
  requestId: 'cmpl-abc',
  endpoint: 'completions',
  status: 200,
  mode: 'dsi',
  k: 4,
  drafterId: 'd0',
  pool: 'p',
  startedAt: 1_700_000_000_000,
  ttftMs: 3.5,
  durationMs: 12.25,
  promptTokens: 5,
  completionTokens: 6,
  draftedTokens: 3,
  finishReason: 'length',
  trace: {
    drafterId: 'd0',
    startedAt: 1_700_000_000_000,
    dropped: 0,
    spans: [
      { kind: 'draft', start: 0, end: 1, epoch: 0, pos: 5, n: 4 },
      {
        kind: 'verify',
        start: 1,
        end: 5,
        epoch: 0,
        pos: 5,
        n: 4,
        taskId: 's:t0',
        verifierId: 'v0',
        accepted: 3,
        outcome: 'rejected',
      },
      { kind: 'verify', start: 2, end: 5, epoch: 0, pos: 9, n: 4, taskId: 's:t1', outcome: 'preempted' },
      {
        kind: 'verify',
        start: 6,
        end: 10,
        epoch: 1,
        pos: 9,
        n: 0,
        taskId: 's:t2',
        verifierId: 'v1',
        accepted: 0,
        outcome: 'accepted',
      },
    ],
  },
};

let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const found = req.url === `/specmesh/requests/${timeline.requestId}`;
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? timeline : { error: { message: 'no timeline' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('specmesh trace', () => {
  it('prints lanes per drafter and target and one line per round, without colour off a TTY', async () => {
    const r = await run('trace', 'cmpl-abc', '--gateway', url, '--width', '20');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('acceptance 3/4 = 0.750');
    expect(r.stdout).toMatch(/^draft d0 +\|=+ +\|$/m);
    expect(r.stdout).toMatch(/^verify v0 +\| *x+ +\|$/m);
    expect(r.stdout).toMatch(/^verify p \(no verdict\) \| *-+ +\|$/m);
    expect(r.stdout).toContain('verify    4 drafts at 5 on v0: rejected, accepted 3');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('prints JSON for scripts, and exits 3 for a request the gateway does not know', async () => {
    const j = await run('trace', 'cmpl-abc', '--gateway', url, '--json');
    expect(JSON.parse(j.stdout)).toEqual(timeline);
    const missing = await run('trace', 'cmpl-nope', '--gateway', url);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('E_MISSING');
  });

  it('colours marks only when asked to', () => {
    expect(renderTimeline(timeline, 20, true)).toContain('\u001b[32m');
    expect(renderTimeline(timeline, 20, false)).not.toContain('\u001b[');
  });
});
