/**
 * What `--help` costs and how it reads: it must load no more than the command line itself (not the
 * simulator, the gateway, the models or the config file's YAML; a module list says so reliably where
 * a timing on a busy machine would not), and it wraps to the width it is given without cutting words.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { helpWidth, MAX_HELP_WIDTH, PIPED_HELP_WIDTH } from '../src/help-width.js';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const RECORDER = fileURLToPath(import.meta.resolve('@specmesh/lab/record-modules'));
const dir = mkdtempSync(join(tmpdir(), 'specmesh-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string>) => {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // A SPECMESH_* setting would load the schema, as it should; these runs have none.
  for (const k of Object.keys(e)) if (k.startsWith('SPECMESH_')) delete e[k];
  return e;
};

/** The modules `specmesh <args>` loads, as file URLs. */
function modulesOf(...args: string[]): string[] {
  const out = join(dir, `${args.join('-').replace(/[^a-z-]/g, '')}.txt`);
  const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: env({ RECORD_MODULES: out }),
    timeout: within(30_000),
  });
  expect(r.status).toBe(0);
  return [...new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean))];
}

const HEAVY = [
  '/packages/sim/',
  '/packages/gateway/',
  '/packages/models/',
  '/packages/actors/',
  '/packages/runtime/',
  '/packages/lab/',
  '/node_modules/fastify/',
  '/node_modules/vega',
  '/node_modules/d3-',
  '/node_modules/yaml/',
  '/node_modules/@sinclair/typebox/',
];

describe('specmesh --help', () => {
  it.each([['--help'], ['node', '--help'], ['up', '--help'], ['bench', '--help'], ['sim', 'dsi', '--help']])(
    '%s %s loads the command line only',
    (...args) => {
      const modules = modulesOf(...args.filter(Boolean));
      for (const heavy of HEAVY) expect(modules.filter((m) => m.includes(heavy))).toEqual([]);
      // The CLI's own declarations and yargs: a few dozen files, not the hundreds of the libraries.
      expect(modules.length).toBeLessThan(120);
    },
  );

  it('wraps to the width it is given, at spaces', () => {
    for (const columns of [60, 100]) {
      const r = spawnSync(process.execPath, [BIN, 'status', '--help'], {
        encoding: 'utf8',
        env: env({ COLUMNS: String(columns) }),
      });
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(columns);
      // Joined back at line breaks, every description reads whole: no word was cut in two.
      const text = r.stdout.replace(/\s+/g, ' ');
      expect(text).toContain('List live instances (role, id, pool, version, load) from their heartbeats');
      expect(text).toContain(
        'NATS server URL(s); repeat or comma-separate for a cluster (env SPECMESH_NATS, file key nats).',
      );
    }
  });
});

describe('helpWidth', () => {
  it("follows a terminal's width up to a maximum, and a sane width when not a terminal", () => {
    expect(helpWidth({ isTTY: true, columns: 200 }, {})).toBe(MAX_HELP_WIDTH);
    expect(helpWidth({ isTTY: true, columns: 72 }, {})).toBe(72);
    expect(helpWidth({ isTTY: true, columns: 10 }, {})).toBe(40);
    expect(helpWidth({ isTTY: false }, {})).toBe(PIPED_HELP_WIDTH);
    expect(helpWidth({ isTTY: false }, { COLUMNS: '64' })).toBe(64);
    expect(helpWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(PIPED_HELP_WIDTH);
  });
});

describe('commandWord', () => {
  it('finds the command past options and the value of --config', async () => {
    const { commandWord } = await import('../src/awc-command.js');
    expect(commandWord(['awc', 'label'])).toBe('awc');
    expect(commandWord(['--config', 'specmesh.yaml', 'awc', '--help'])).toBe('awc');
    expect(commandWord(['--config=specmesh.yaml', 'up'])).toBe('up');
    expect(commandWord(['--help'])).toBeUndefined();
  });
});
