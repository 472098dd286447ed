#!/usr/bin/env node
/**
 * Regenerates the generated blocks of docs/protocol.md (kinds, field tables, error codes, versions)
 * from the built package, keeping the hand-written text around them:
 * `npm run docs:protocol -w @specmesh/protocol` (builds first).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_MINOR, PROTOCOL_VERSION } from '../dist/index.js';
import { renderProtocolDoc } from '../dist/internal.js';

const doc = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));
const schemas = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));
const recorded = new Map();
for (let minor = 0; minor < PROTOCOL_MINOR; minor++) {
  const file = `${schemas}${PROTOCOL_VERSION}.${minor}.json`;
  if (existsSync(file)) recorded.set(minor, JSON.parse(readFileSync(file, 'utf8')));
}
const before = readFileSync(doc, 'utf8');
const after = renderProtocolDoc(before, recorded);
writeFileSync(doc, after);
process.stdout.write(before === after ? `${doc} is up to date\n` : `updated ${doc}\n`);
