/**
 * docs/protocol.md is the specification other implementations follow: its generated tables (kinds,
 * every body field with type, range and meaning, error codes, versions) must be what the code says.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/errors.js';
import { MESSAGE_KIND_NAMES, MESSAGE_KINDS } from '../src/kinds.js';
import { renderGeneratedBlocks, renderProtocolDoc } from '../src/spec/protocol-doc.js';
import type { SchemaSnapshot } from '../src/spec/schema-snapshot.js';
import { createSubjects, PROTOCOL_VERSION } from '../src/subjects.js';
import { PROTOCOL_MINOR } from '../src/versioning.js';

const DOC = new URL('../../../docs/protocol.md', import.meta.url);

function recordedSnapshots(): Map<number, SchemaSnapshot> {
  const out = new Map<number, SchemaSnapshot>();
  for (let minor = 0; minor < PROTOCOL_MINOR; minor++) {
    const url = new URL(`../fixtures/schemas/${PROTOCOL_VERSION}.${minor}.json`, import.meta.url);
    if (existsSync(url)) out.set(minor, JSON.parse(readFileSync(url, 'utf8')) as SchemaSnapshot);
  }
  return out;
}

describe('docs/protocol.md', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('holds the current generated tables (else run `npm run docs:protocol -w @specmesh/protocol`)', () => {
    expect(renderProtocolDoc(doc, recordedSnapshots()) === doc, 'docs/protocol.md is out of date').toBe(true);
  });

  it('has a table row for every field of every kind, with its size limit and every error code', () => {
    for (const kind of MESSAGE_KIND_NAMES) {
      const section = doc.slice(doc.indexOf(`### \`${kind}\``));
      const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| field')));
      const props = Object.keys((MESSAGE_KINDS[kind].schema as { properties: object }).properties);
      for (const p of props) expect(table, `${kind}.${p}`).toContain(`| \`${p}\` |`);
    }
    for (const code of Object.values(ErrorCode)) expect(doc).toContain(`| \`${code}\` |`);
    expect(doc).toMatch(
      /\| \[`verify\.task`\]\(#verifytask\) \| `verify\.<pool>\.<hostId>` \| .* \| 768 KiB \|/,
    );
  });

  it('lists every subject the code builds in its subjects table', () => {
    const subjects = createSubjects({ prefix: 'P' });
    for (const [name, build] of Object.entries(subjects)) {
      if (typeof build !== 'function' || name.endsWith('All')) continue;
      const subject: string =
        name === 'heartbeat'
          ? subjects.heartbeat('drafter', 'X')
          : (build as (...ids: string[]) => string)('X', 'X', 'X');
      const area = subject.split('.')[2];
      expect(doc, `${name}: ${subject}`).toContain(`| \`<p>.v${PROTOCOL_VERSION}.${area}.`);
    }
  });

  it('refuses to render when a schema field has no meaning', () => {
    const schema = MESSAGE_KINDS['session.ok'].schema as { properties: Record<string, unknown> };
    schema.properties['undocumented'] = schema.properties['sessionId'];
    try {
      expect(() => renderGeneratedBlocks(recordedSnapshots())).toThrow(
        /session\.ok\.undocumented: no meaning/,
      );
    } finally {
      delete schema.properties['undocumented'];
    }
  });
});
