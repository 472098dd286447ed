/**
 * `specmesh up` serving: `--port` (and its other name `--gateway-port`, and the config keys of both)
 * is the gateway's port, as for `node --port`; Ctrl-C or SIGTERM ends it with a one-line summary.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { upCommand } from '../src/commands/up.js';
import { withConfig } from '../src/config/config-layers.js';
import type { ConfigLayer } from '../src/config/config-schema.js';
import { formatStopSummary, formatUptime, sumSamples } from '../src/run/up-summary.js';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The port `up` would serve on for these flags and settings (parsed only; nothing starts). */
async function portOf(argv: string[], layer: ConfigLayer = {}): Promise<number> {
  let port = Number.NaN;
  const probe = {
    ...upCommand,
    handler: (a: { port: number }) => {
      port = a.port;
    },
  };
  await yargs(['up', ...argv])
    .command(withConfig(probe as never, layer))
    .strict()
    .exitProcess(false)
    .parseAsync();
  return port;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('specmesh up --port', () => {
  it('is the gateway port, also as --gateway-port, SPECMESH_PORT and the config keys port / gateway-port', async () => {
    expect(await portOf([])).toBe(8080);
    expect(await portOf(['--port', '9001'])).toBe(9001);
    expect(await portOf(['--gateway-port', '9002'])).toBe(9002);
    expect(await portOf([], { port: 9003 })).toBe(9003);
    expect(await portOf([], { 'gateway-port': 9004 })).toBe(9004);
    // A flag still beats the file.
    expect(await portOf(['--port', '9005'], { 'gateway-port': 9004 })).toBe(9005);
  });
});

describe('the summary up prints when stopped', () => {
  it('reads counters from Prometheus text and says them in one line', () => {
    const text = [
      '# TYPE specmesh_gateway_requests_total counter',
      'specmesh_gateway_requests_total{endpoint="completions",status="200"} 3',
      'specmesh_gateway_requests_total{endpoint="chat",status="200"} 2',
      'specmesh_gateway_requests_total_other 40',
      'specmesh_gateway_tokens_total{kind="prompt"} 9',
      'specmesh_gateway_tokens_total{kind="completion"} 1234',
    ].join('\n');
    expect(sumSamples(text, 'specmesh_gateway_requests_total')).toBe(5);
    expect(sumSamples(text, 'specmesh_gateway_tokens_total', { kind: 'completion' })).toBe(1234);
    expect(sumSamples(text, 'specmesh_missing_total')).toBeUndefined();
    expect(formatUptime(9)).toBe('9s');
    expect(formatUptime(125)).toBe('2m05s');
    expect(formatUptime(3723)).toBe('1h02m03s');
    expect(formatStopSummary({ uptimeS: 125, requests: 1, tokens: 1234, restarts: 0 })).toBe(
      '• stopped after 2m05s: 1 request served, 1,234 tokens generated, 0 role restarts',
    );
    expect(formatStopSummary({ uptimeS: 3, requests: null, tokens: null, restarts: 1 })).toBe(
      '• stopped after 3s: requests: unknown served, tokens: unknown generated, 1 role restart',
    );
  });

  it(
    'serves on --port and prints requests, tokens and uptime on SIGINT',
    async () => {
      const port = await freePort();
      const up = spawn(
        process.execPath,
        [
          BIN,
          'up',
          '--port',
          String(port),
          '--verifiers',
          '1',
          '--target-tpot-ms',
          '2',
          '--target-ttft-ms',
          '2',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      up.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
      try {
        await expect
          .poll(() => stdout, { timeout: within(60_000), interval: 100 })
          .toContain(`serving: OpenAI-compatible API on http://127.0.0.1:${port}/v1`);
        const res = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'specmesh', prompt: 'The cluster', max_tokens: 8, temperature: 0 }),
        });
        expect(res.status).toBe(200);
        up.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(stdout).toMatch(
          /• stopped after \d+s: 1 request served, 8 tokens generated, 0 role restarts\n$/,
        );
      } finally {
        up.kill('SIGKILL');
      }
    },
    within(90_000),
  );
});
