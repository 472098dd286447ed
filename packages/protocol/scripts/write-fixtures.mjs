#!/usr/bin/env node
/**
 * Writes the protocol's test vectors (fixtures/vectors/) and this minor's schema snapshot
 * (fixtures/schemas/<major>.<minor>.json) from the built package: run after a deliberate schema change
 * (`npm run fixtures:protocol -w @specmesh/protocol`, which builds first). Snapshots of earlier minors
 * are never rewritten; a change that breaks compatibility with one of them is refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_MINOR, PROTOCOL_VERSION } from '../dist/index.js';
import {
  buildPrefixHashVectors,
  buildTestVectors,
  compatibilityProblems,
  snapshotSchemas,
} from '../dist/internal.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const vectorsDir = `${fixtures}vectors/`;
const schemasDir = `${fixtures}schemas/`;
mkdirSync(vectorsDir, { recursive: true });
mkdirSync(schemasDir, { recursive: true });

const current = snapshotSchemas();
const problems = [];
for (let minor = 0; minor < PROTOCOL_MINOR; minor++) {
  const file = `${schemasDir}${PROTOCOL_VERSION}.${minor}.json`;
  if (!existsSync(file)) continue;
  for (const p of compatibilityProblems(JSON.parse(readFileSync(file, 'utf8')), current))
    problems.push(`v${PROTOCOL_VERSION}.${minor}: ${p}`);
}
if (problems.length > 0) {
  process.stderr.write(
    `The schemas are no longer an addition to earlier minors; make the change additive (new optional fields, new kinds) or raise the major:\n  ${problems.join('\n  ')}\n`,
  );
  process.exit(1);
}

const written = [];
const snapshotFile = `${schemasDir}${PROTOCOL_VERSION}.${PROTOCOL_MINOR}.json`;
writeFileSync(snapshotFile, `${JSON.stringify(current, null, 2)}\n`);
written.push(snapshotFile);

const vectors = buildTestVectors();
const names = new Set(vectors.map((v) => `${v.name}.json`));
for (const f of readdirSync(vectorsDir))
  if (f.endsWith('.json') && !names.has(f)) rmSync(`${vectorsDir}${f}`);
for (const v of vectors) {
  const file = `${vectorsDir}${v.name}.json`;
  writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);
  written.push(file);
}
const hashFile = `${fixtures}prefix-hash.json`;
writeFileSync(hashFile, `${JSON.stringify(buildPrefixHashVectors(), null, 2)}\n`);
written.push(hashFile);
// The repository's formatter owns the layout of JSON files; format them as it would.
const root = fileURLToPath(new URL('../../../', import.meta.url));
execFileSync(`${root}node_modules/.bin/biome`, ['format', '--write', ...written], {
  cwd: root,
  stdio: 'ignore',
});
process.stdout.write(
  `wrote ${vectors.length} test vectors and the v${PROTOCOL_VERSION}.${PROTOCOL_MINOR} schema snapshot under ${fixtures}\n`,
);
