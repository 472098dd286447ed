#!/usr/bin/env node
/**
 * Brings a fresh checkout to a runnable state and says what it does: Node version check, `npm ci`
 * when dependencies are missing or stale, the incremental TypeScript build, and nats-server (installed
 * with apt-get when running as root, otherwise a clear message saying how); with `--tests`, also
 * Debian's headless chromium for the dashboard's browser test and openssl for the TLS certificates
 * of the infra and TLS tests. Safe to run every time:
 * steps that are already done are skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`[setup] ${msg}\n`);
const fail = (msg) => {
  process.stderr.write(`[setup] ERROR: ${msg}\n`);
  process.exit(1);
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status === 0;
};

// 1. Node
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  fail(`Node >= 20.19 is required, this is ${process.versions.node}`);

// 2. Dependencies: install when node_modules is missing or older than the lock file.
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  say('installing dependencies with npm ci …');
  if (
    !run('npm', ['ci', '--no-audit', '--no-fund'], {
      env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
    })
  ) {
    fail('npm ci failed (see above)');
  }
}

// 3. Build (incremental: a no-op when nothing changed).
say('building TypeScript (tsc -b, incremental) …');
if (!run(join(root, 'node_modules', '.bin', 'tsc'), ['-b'])) fail('the TypeScript build failed (see above)');

// 4. nats-server
function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  const candidates = [
    process.env.SPECMESH_NATS_SERVER,
    ...dirs.filter(Boolean).map((d) => join(d, 'nats-server')),
  ];
  for (const c of candidates.filter(Boolean)) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** apt-get install, refreshing the package lists once if the first try fails. */
function aptInstall(pkg, flags = []) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '-q', ...flags, pkg];
  if (run('apt-get', args, { env })) return true;
  say('refreshing package lists (apt-get update) and retrying …');
  run('apt-get', ['update', '-q'], { env });
  return run('apt-get', args, { env });
}

if (!findNatsServer()) {
  if (!isRoot) {
    fail(
      'nats-server is not installed. Install it with `sudo apt-get install -y nats-server` (Debian/Ubuntu), or put a nats-server binary on PATH or in SPECMESH_NATS_SERVER, then run this again.',
    );
  }
  say('nats-server not found; installing the Debian package (apt-get install -y nats-server) …');
  if (!aptInstall('nats-server')) fail('apt-get could not install nats-server');
  if (!findNatsServer()) fail('nats-server still not found after installing it');
}

// 5. For the tests only: a headless chromium for the dashboard's browser test. Debian's
// chromium-headless-shell is the smallest package that serves (a full chromium works too).
const browsers = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
if (process.argv.includes('--tests') && !browsers.some((b) => existsSync(b))) {
  if (isRoot) {
    say('no headless chromium; installing chromium-headless-shell for the dashboard browser test …');
    if (!aptInstall('chromium-headless-shell', ['--no-install-recommends']))
      say('could not install chromium-headless-shell: the browser test will be skipped');
  } else {
    say(
      'no headless chromium (`sudo apt-get install -y chromium-headless-shell`): the browser test will be skipped',
    );
  }
}
// 6. For the tests only: openssl, which `specmesh certs` runs to make the TLS certificates that the
// shipped NATS configurations need (the infra, topology and TLS tests start servers with them).
const haveOpenssl = () => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (process.argv.includes('--tests') && !haveOpenssl()) {
  if (isRoot) {
    say('openssl not found; installing it for the TLS tests (apt-get install -y openssl) …');
    if (!aptInstall('openssl')) fail('apt-get could not install openssl');
  } else {
    fail('openssl is not installed, and the TLS tests need it: `sudo apt-get install -y openssl`');
  }
}
const version = execFileSync(findNatsServer(), ['--version']).toString().trim();
say(`ready: node ${process.versions.node}, ${version}`);
