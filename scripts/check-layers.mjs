#!/usr/bin/env node
/**
 * Fails when a package depends on a layer above it (DESIGN.md: dependencies point down only).
 * Checks both package.json dependencies and every import in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// What each layer may depend on.
const ALLOWED = {
  protocol: [],
  core: ['protocol'],
  models: ['protocol', 'core'],
  runtime: ['protocol'],
  sim: ['protocol', 'core'],
  actors: ['protocol', 'core', 'models', 'runtime'],
  gateway: ['protocol', 'core', 'runtime', 'actors'],
  // Experiments (benchmarks, chaos, simulator validation): above every library, below the CLI.
  lab: ['protocol', 'core', 'models', 'runtime', 'sim', 'actors', 'gateway'],
  cli: ['protocol', 'core', 'models', 'runtime', 'sim', 'actors', 'gateway', 'lab'],
};

const problems = [];
const pkgsDir = join(root, 'packages');
for (const name of readdirSync(pkgsDir)) {
  const dir = join(pkgsDir, name);
  if (!statSync(dir).isDirectory()) continue;
  const allowed = ALLOWED[name];
  if (!allowed) {
    problems.push(
      `packages/${name}: not a layer of DESIGN.md; add it to scripts/check-layers.mjs deliberately`,
    );
    continue;
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const m = /^@specmesh\/(.+)$/.exec(dep);
    if (m && !allowed.includes(m[1]))
      problems.push(
        `packages/${name}/package.json depends on ${dep} (allowed: ${allowed.join(', ') || 'none'})`,
      );
  }
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(f)) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
          const spec = m[1];
          const dep = /^@specmesh\/([^/]+)/.exec(spec)?.[1];
          if (dep && dep !== name && !allowed.includes(dep))
            problems.push(`${p.slice(root.length + 1)} imports ${spec}`);
          if (spec.startsWith('.') && !resolve(dirname(p), spec).startsWith(dir + sep)) {
            problems.push(`${p.slice(root.length + 1)} reaches outside its package: ${spec}`);
          }
        }
      }
    }
  };
  for (const sub of ['src', 'test']) {
    try {
      walk(join(dir, sub));
    } catch {
      // no such folder
    }
  }
}
if (problems.length > 0) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layer check: dependencies point down only');
