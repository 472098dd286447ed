/**
 * The generated parts of docs/protocol.md: the kind table, one field table per kind and shared type,
 * the error codes and the minor versions. Everything comes from the code (schemas, size limits, error
 * classes, MINOR_RELEASES) plus the meanings in kind-docs.ts and error-docs.ts; a field without a
 * meaning, or a meaning without a field, is an error, so the page cannot drift from the code.
 *
 * The page marks each generated block with `<!-- BEGIN generated:<name> -->` and
 * `<!-- END generated:<name> -->`; {@link renderProtocolDoc} replaces what lies between and keeps the
 * hand-written prose around it. `npm run docs:protocol` writes the page; a test checks it is current.
 */
import type { TSchema } from '@sinclair/typebox';
import { CLASS_BY_CODE, ErrorCode, InternalError } from '../errors.js';
import { MESSAGE_KIND_NAMES, MESSAGE_KINDS, type MessageKind } from '../kinds.js';
import { SamplingSchema, WindowSpecSchema, WireErrorSchema } from '../messages/common.js';
import { LoadSchema } from '../messages/heartbeat.js';
import { PlacementSchema, ResumeSchema } from '../messages/request.js';
import { SpeculationTraceSchema, TraceSpanSchema } from '../messages/stream.js';
import { SparseDraftDistSchema, VerifyResultSchema, VerifyTaskSchema } from '../messages/verify.js';
import { PROTOCOL_VERSION } from '../subjects.js';
import { MINOR_RELEASES, PROTOCOL_MINOR } from '../versioning.js';
import { ERROR_DOCS } from './error-docs.js';
import { KIND_DOCS, SHARED_TYPE_DOCS } from './kind-docs.js';
import { additions, type SchemaSnapshot, snapshotHas, snapshotSchemas } from './schema-snapshot.js';
import { type FieldRow, fieldRows, type NamedType, TypeNamer } from './schema-table.js';

export const GENERATED_BLOCKS = ['kinds', 'bodies', 'errors', 'versions'] as const;
export type GeneratedBlock = (typeof GENERATED_BLOCKS)[number];

/** GitHub's heading anchor of a kind's section (`### \`verify.task\`` → `#verifytask`). */
const anchorOf = (heading: string) =>
  `#${heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')}`;

/** Kinds whose body is also a part of other kinds link to the kind's own section. */
const KIND_TYPES: readonly NamedType[] = [
  { name: 'verify.task', schema: VerifyTaskSchema, anchor: anchorOf('verify.task') },
  { name: 'verify.result', schema: VerifyResultSchema, anchor: anchorOf('verify.result') },
  { name: 'error', schema: WireErrorSchema, anchor: anchorOf('error') },
];

/** Objects documented once in "Shared types". */
const SHARED_TYPES: readonly NamedType[] = [
  { name: 'Sampling', schema: SamplingSchema },
  { name: 'WindowSpec', schema: WindowSpecSchema },
  { name: 'Resume', schema: ResumeSchema },
  { name: 'Placement', schema: PlacementSchema },
  { name: 'SparseDraftDist', schema: SparseDraftDistSchema },
  { name: 'Load', schema: LoadSchema },
  { name: 'SpeculationTrace', schema: SpeculationTraceSchema },
  { name: 'TraceSpan', schema: TraceSpanSchema },
].map((t) => ({ ...t, schema: t.schema as TSchema, anchor: anchorOf(t.name) }));

const namer = new TypeNamer([...KIND_TYPES, ...SHARED_TYPES]);

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;

function sizeOf(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Snapshots of every minor, oldest first: the recorded ones and this build's. */
type History = readonly SchemaSnapshot[];

/** `1.x` of the first minor that has a kind (or a field of it), or '' when 1.0 had it. */
function sinceOf(history: History, kind: string, path?: string): string {
  const minor = history.findIndex((snapshot) => snapshotHas(snapshot, kind, path));
  return minor > 0 ? `${PROTOCOL_VERSION}.${minor}` : '';
}

/** Checks that every field has a meaning and every meaning a field; collects problems. */
function checkMeanings(
  section: string,
  rows: readonly FieldRow[],
  meanings: Readonly<Record<string, string>> | undefined,
  problems: string[],
): void {
  if (!meanings) {
    problems.push(`${section}: no meanings at all`);
    return;
  }
  const paths = new Set(rows.map((r) => r.path));
  for (const r of rows) if (!meanings[r.path]) problems.push(`${section}.${r.path}: no meaning`);
  for (const p of Object.keys(meanings))
    if (!paths.has(p)) problems.push(`${section}.${p}: documented, not in the schema`);
}

/** A field table; the `since` column only when some field came after 1.0. */
function fieldTable(
  rows: readonly FieldRow[],
  meanings: Readonly<Record<string, string>>,
  since: (path: string) => string,
): string[] {
  const sinces = rows.map((r) => since(r.path));
  const dated = sinces.some(Boolean);
  const pick = (cells: string[]) => (dated ? cells : cells.filter((_, i) => i !== 4));
  return [
    row(pick(['field', 'type', 'required', 'range', 'since', 'meaning'])),
    row(pick(['---', '---', '---', '---', '---', '---'])),
    ...rows.map((r, i) =>
      row(
        pick([
          `\`${r.path}\``,
          r.type,
          r.optional ? 'no' : 'yes',
          r.range,
          sinces[i]!,
          meanings[r.path] ?? '',
        ]),
      ),
    ),
  ];
}

function renderKinds(history: History, problems: string[]): string {
  const lines = [
    row(['kind', `subject (after \`<p>.v${PROTOCOL_VERSION}.\`)`, 'pattern', 'size limit']),
    row(['---', '---', '---', '---']),
  ];
  for (const kind of MESSAGE_KIND_NAMES) {
    const doc = KIND_DOCS[kind];
    if (!doc) {
      problems.push(`${kind}: not described in kind-docs.ts`);
      continue;
    }
    const since = sinceOf(history, kind);
    const name = `[\`${kind}\`](${anchorOf(kind)})${since ? ` (since ${since})` : ''}`;
    const subject = doc.subject.startsWith('reply') ? doc.subject : `\`${doc.subject}\``;
    lines.push(row([name, subject, doc.pattern, sizeOf(MESSAGE_KINDS[kind].maxBytes)]));
  }
  for (const kind of Object.keys(KIND_DOCS))
    if (!MESSAGE_KIND_NAMES.includes(kind as MessageKind))
      problems.push(`${kind}: described, but no such kind`);
  return lines.join('\n');
}

function renderBodies(history: History, problems: string[]): string {
  const out: string[] = [];
  for (const kind of MESSAGE_KIND_NAMES) {
    const doc = KIND_DOCS[kind];
    const rows = fieldRows(MESSAGE_KINDS[kind].schema as TSchema, namer);
    checkMeanings(kind, rows, doc?.fields, problems);
    const since = sinceOf(history, kind);
    out.push(`### \`${kind}\``, '', `${doc?.summary ?? ''}${since ? ` Since v${since}.` : ''}`, '');
    // A field is new only if its kind is not: a new kind's fields all came with it.
    const fieldSince = (path: string) => (since ? '' : sinceOf(history, kind, path));
    if (rows.length === 0) out.push('The body is an empty map.', '');
    else out.push(...fieldTable(rows, doc?.fields ?? {}, fieldSince), '');
  }
  out.push('### Shared types', '');
  for (const t of SHARED_TYPES) {
    const rows = fieldRows(t.schema, namer);
    checkMeanings(t.name, rows, SHARED_TYPE_DOCS[t.name], problems);
    out.push(`#### ${t.name}`, '', ...fieldTable(rows, SHARED_TYPE_DOCS[t.name] ?? {}, () => ''), '');
  }
  for (const name of Object.keys(SHARED_TYPE_DOCS))
    if (!SHARED_TYPES.some((t) => t.name === name))
      problems.push(`${name}: described, but no such shared type`);
  return out.join('\n').trimEnd();
}

function renderErrors(): string {
  const lines = [row(['code', 'class', 'retryable', 'raised when']), row(['---', '---', '---', '---'])];
  for (const code of Object.values(ErrorCode)) {
    const e = new CLASS_BY_CODE[code]('');
    lines.push(row([`\`${code}\``, `\`${e.name}\``, e.retryable ? 'yes' : 'no', ERROR_DOCS[code]]));
  }
  return lines.join('\n');
}

function renderVersions(history: History): string {
  const lines = [row(['version', 'what it added']), row(['---', '---'])];
  for (const r of MINOR_RELEASES) {
    const { kinds, fields } =
      r.minor > 0 && history[r.minor] && history[r.minor - 1]
        ? additions(history[r.minor - 1]!, history[r.minor]!)
        : { kinds: [], fields: [] };
    const added = [
      ...r.envelope.map((k) => `envelope \`${k}\``),
      ...kinds.map((k) => `kind \`${k}\``),
      ...fields.map((f) => `field \`${f}\``),
    ];
    const what = added.length > 0 ? `${r.summary} Adds ${added.join(', ')}.` : r.summary;
    lines.push(row([`${PROTOCOL_VERSION}.${r.minor}`, what]));
  }
  return lines.join('\n');
}

/**
 * The content of every generated block. `recorded` holds the schema snapshot of every earlier minor
 * (`fixtures/schemas/`), which dates each kind and field.
 *
 * @throws InternalError listing every field without a meaning, meaning without a field, kind without
 *   a description, and missing snapshot.
 */
export function renderGeneratedBlocks(
  recorded: ReadonlyMap<number, SchemaSnapshot>,
): Record<GeneratedBlock, string> {
  const problems: string[] = [];
  const history: SchemaSnapshot[] = [];
  for (let minor = 0; minor < PROTOCOL_MINOR; minor++) {
    const snapshot = recorded.get(minor);
    if (snapshot) history.push(snapshot);
    else problems.push(`no schema snapshot of v${PROTOCOL_VERSION}.${minor} (fixtures/schemas/)`);
  }
  history.push(snapshotSchemas());
  const blocks = {
    kinds: renderKinds(history, problems),
    bodies: renderBodies(history, problems),
    errors: renderErrors(),
    versions: renderVersions(history),
  };
  if (problems.length > 0) {
    throw new InternalError(
      `docs/protocol.md cannot be generated (meanings live in packages/protocol/src/spec/kind-docs.ts):\n  ${problems.join('\n  ')}`,
    );
  }
  return blocks;
}

/** Returns `doc` with every generated block replaced by its current content. */
export function renderProtocolDoc(doc: string, recorded: ReadonlyMap<number, SchemaSnapshot>): string {
  const blocks = renderGeneratedBlocks(recorded);
  let out = doc;
  for (const name of GENERATED_BLOCKS) {
    const begin = `<!-- BEGIN generated:${name} -->`;
    const end = `<!-- END generated:${name} -->`;
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new InternalError(`docs/protocol.md lacks the markers ${begin} … ${end}`);
    out = `${out.slice(0, a + begin.length)}\n${blocks[name]}\n${out.slice(b)}`;
  }
  return out;
}
