/**
 * How fast the `specmesh` command starts: `--help` from spawn to exit, and `node --role <r>` from spawn
 * to its `ready` line against a local nats-server, each a few times (medians), with the modules each
 * loads (counted by record-modules.ts, which does not depend on the machine's load). The load average
 * is part of the report: on a busy machine wall times say little, module counts still do.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { InternalError } from '@specmesh/protocol';
import { startNatsServer } from '@specmesh/runtime';
import { median } from '../median.js';

const RECORDER = fileURLToPath(new URL('./record-modules.js', import.meta.url));

export const STARTUP_ROLES = ['batcher', 'scheduler', 'verifier', 'drafter', 'gateway'] as const;

export interface CliStartupOptions {
  /** The `specmesh` entry script to time. */
  readonly nodeBin: string;
  /** Timed runs of each (the median is reported). */
  readonly runs: number;
  readonly roles: readonly string[];
}

export interface StartupFigures {
  readonly what: string;
  /** Wall time of each run, ms. */
  readonly wallMs: readonly number[];
  readonly medianMs: number;
  /** Distinct modules loaded (a separate, recorded run). */
  readonly modules: number;
  /** Packages of this repository or node_modules that loaded, with their module counts. */
  readonly packages: Readonly<Record<string, number>>;
}

export interface CliStartupReport {
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  readonly help: StartupFigures;
  readonly roles: readonly StartupFigures[];
}

/** Spawns `node <args>`; resolves with the wall time, ms, once `done(stdout)` holds or it exits 0. */
function timed(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  done?: (stdout: string) => boolean,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'ignore'], env });
    let out = '';
    let ready = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ready && done?.(out)) {
        ready = true;
        const ms = performance.now() - t0;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      if (ready) return;
      if (!done && code === 0) resolve(performance.now() - t0);
      else reject(new InternalError(`node ${args.join(' ')} exited with ${code} before it was ready`));
    });
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** `@scope/name`, `name` or `packages/<name>` of a module URL. */
function packageOf(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  const pkg = /\/packages\/([^/]+)\//.exec(url);
  return pkg ? `@specmesh/${pkg[1]}` : url.startsWith('node:') ? 'node:' : 'other';
}

async function measure(
  what: string,
  args: readonly string[],
  runs: number,
  dir: string,
  done?: (stdout: string) => boolean,
): Promise<StartupFigures> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SPECMESH_')) delete env[k];
  const wallMs: number[] = [];
  for (let i = 0; i < runs; i++) wallMs.push(round2(await timed(args, env, done)));
  const file = join(dir, `${what.replace(/\W+/g, '-')}.txt`);
  await timed(['--import', RECORDER, ...args], { ...env, RECORD_MODULES: file }, done);
  const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  const packages: Record<string, number> = {};
  for (const u of urls) packages[packageOf(u)] = (packages[packageOf(u)] ?? 0) + 1;
  return { what, wallMs, medianMs: round2(median(wallMs)), modules: urls.length, packages };
}

export async function runCliStartup(
  o: CliStartupOptions,
  onStep: (what: string) => void = () => undefined,
): Promise<CliStartupReport> {
  const loadAverageStart = loadavg().map(round2);
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-startup-'));
  const nats = await startNatsServer();
  try {
    onStep('--help');
    const help = await measure('--help', [o.nodeBin, '--help'], o.runs, dir);
    const roles: StartupFigures[] = [];
    for (const role of o.roles) {
      onStep(`node --role ${role}`);
      const args = [
        o.nodeBin,
        'node',
        '--role',
        role,
        '--nats',
        nats.url,
        '--port',
        '0',
        '--log-level',
        'error',
      ];
      roles.push(await measure(`node --role ${role}`, args, o.runs, dir, (out) => /^ready /m.test(out)));
    }
    return { loadAverageStart, loadAverageEnd: loadavg().map(round2), help, roles };
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatCliStartup(r: CliStartupReport): string {
  const row = (f: StartupFigures) => {
    const top = Object.entries(f.packages)
      .filter(([p]) => p !== 'node:')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    return `${f.what.padEnd(22)} ${f.medianMs.toFixed(0).padStart(7)} ms  ${String(f.modules).padStart(5)} modules  (${top})`;
  };
  return [
    `load average ${r.loadAverageStart.join(' ')} at the start, ${r.loadAverageEnd.join(' ')} at the end`,
    `${'command'.padEnd(22)} ${'median'.padStart(10)}  ${'loaded'.padStart(13)}`,
    row(r.help),
    ...r.roles.map(row),
  ].join('\n');
}
