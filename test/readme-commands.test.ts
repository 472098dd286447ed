/**
 * Every command line of the README's shell blocks, checked so the README cannot drift from the code:
 * - `npx specmesh <command> …`: `npx` finds the workspace's own `specmesh` (never the registry), the
 *   command exists (`<command> --help` exits 0), and every `--flag` written on the line is one of that
 *   command's options (its help lists it);
 * - `npm run <script>` / `npm start` / `npm test`: the script exists in package.json;
 * - `node <file> …`: the file exists and answers `--help` with exit 0.
 * Running each for real would start clusters for minutes; the commands' own tests do that.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { within } from './helpers/within.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The lines of the README's ```sh blocks, without comments. */
function shellLines(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line && !line.startsWith('#')) out.push(line);
    }
  }
  return out;
}

/** Shell words of a line (double or single quotes group; no expansions are used in the README). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The command path of `specmesh` words (`model make`, `node`), i.e. the leading bare words. */
function commandPath(args: string[]): string[] {
  const path: string[] = [];
  for (const w of args) {
    if (!/^[a-z][a-z-]*$/.test(w)) break;
    path.push(w);
  }
  return path;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const lines = shellLines(README);
const specmeshLines = lines.filter((l) => l.startsWith('npx specmesh'));
const npmLines = lines.filter((l) => l.startsWith('npm '));
const nodeLines = lines.filter((l) => l.startsWith('node '));

// Each check is its own child process: they run side by side.
describe.concurrent('the README’s command lines', () => {
  it('has shell blocks to check', () => {
    expect(specmeshLines.length).toBeGreaterThan(10);
    expect(npmLines).toContain('npm start');
    expect(npmLines).toContain('npm test');
  });

  it(
    'npx specmesh runs the workspace’s own CLI, without asking the registry',
    async () => {
      const r = await run('npx', ['--no', '--', 'specmesh', '--version']);
      expect(r.code, r.out).toBe(0);
      const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
        version: string;
      };
      expect(r.out.trim()).toBe(version);
    },
    within(30_000),
  );

  // One help text per command path; the lines that share it are checked against it.
  const byPath = new Map<string, string[][]>();
  for (const line of specmeshLines) {
    const args = words(line).slice(2);
    const key = commandPath(args).join(' ');
    byPath.set(key, [...(byPath.get(key) ?? []), args]);
  }
  for (const [path, uses] of byPath) {
    it(
      `specmesh ${path || '(no command)'}: exists, and takes every flag the README gives it`,
      async () => {
        const r = await runCli([...(path ? path.split(' ') : []), '--help']);
        expect(r.code, r.stderr).toBe(0);
        const help = r.stdout;
        for (const args of uses) {
          for (const flag of args.filter((a) => a.startsWith('--') && a !== '--help')) {
            const name = flag.split('=')[0]!;
            expect(help, `specmesh ${args.join(' ')}: ${name} is not an option of "${path}"`).toMatch(
              new RegExp(`${name}(?![a-z-])`),
            );
          }
        }
      },
      within(30_000),
    );
  }

  it('every npm script it names exists', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const line of npmLines) {
      const w = words(line);
      const script = w[1] === 'run' ? w[2]! : w[1]!;
      expect(scripts, line).toHaveProperty(script);
    }
  });

  for (const line of nodeLines) {
    it(
      `${line}: the script exists and answers --help`,
      async () => {
        const file = words(line)[1]!;
        expect(existsSync(join(ROOT, file)), file).toBe(true);
        const r = await run(process.execPath, [file, '--help']);
        expect(r.code, r.out).toBe(0);
      },
      within(30_000),
    );
  }
});
