#!/usr/bin/env node
// The `specmesh` command. It lives outside dist/ so that `npm ci` links it into node_modules/.bin
// (npm skips a bin whose file does not exist yet, and dist/ only appears after the build). In a
// source checkout with no build yet it runs the set-up script first (dependencies, build,
// nats-server), saying what it does; an installed package always has dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'dist', 'bin.js');
if (!existsSync(entry)) {
  const setup = join(here, '..', '..', '..', 'scripts', 'ensure-setup.mjs');
  if (!existsSync(setup)) {
    process.stderr.write(
      `specmesh: ${entry} is missing; this installation is incomplete (reinstall @specmesh/cli)\n`,
    );
    process.exit(3);
  }
  process.stderr.write('specmesh: no build yet; setting up this checkout first (npm run setup)\n');
  const r = spawnSync(process.execPath, [setup], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(entry).href);
