/**
 * Writes a nats-server `accounts` block: accounts of users, each user with its subject permissions
 * and a password that nats-server reads from its environment (`$NAME`), so the file itself holds no
 * secret and can live in version control; and between accounts, the streams and services one exports
 * to named others and they import. Messages cross between accounts only through those.
 */
import { ConfigError } from '@specmesh/protocol/errors';

/** One NATS user of an account. */
export interface AccountUser {
  readonly user: string;
  /** Environment variable nats-server takes the password from (`$<passwordEnv>` in the file). */
  readonly passwordEnv: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  readonly allowResponses: boolean;
  /** A comment written above the user (what it is for). */
  readonly comment?: string;
}

/**
 * Subjects that cross from account `from` to account `to`: `streams` are delivered as published,
 * `services` are requests whose replies NATS carries back.
 */
export interface AccountLink {
  readonly from: string;
  readonly to: string;
  readonly streams: readonly string[];
  readonly services: readonly string[];
}

/** One account and its users. */
export interface Account {
  readonly name: string;
  readonly users: readonly AccountUser[];
  /** A comment written above the account. */
  readonly comment?: string;
}

const NAME_RE = /^[A-Za-z0-9_\-:]+$/;
const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;
const SUBJECT_RE = /^[A-Za-z0-9_\-:.*>]+$/;

/** `id` as the tail of an environment variable name: upper case, anything else an underscore. */
export function envNameOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

const quoted = (subjects: readonly string[]) => subjects.map((s) => JSON.stringify(s)).join(', ');

function checkSubjects(subjects: readonly string[], of: string): void {
  for (const s of subjects)
    if (!SUBJECT_RE.test(s)) throw new ConfigError(`subject ${JSON.stringify(s)} of ${of} is not plain`);
}

/** Refuses names and variables that would not read back as written, or that are given twice. */
function check(accounts: readonly Account[], links: readonly AccountLink[]): void {
  const accountNames = new Set<string>();
  const names = new Set<string>();
  const envs = new Set<string>();
  for (const a of accounts) {
    if (!NAME_RE.test(a.name))
      throw new ConfigError(`NATS account name ${JSON.stringify(a.name)} is not a plain token`);
    if (accountNames.has(a.name)) throw new ConfigError(`NATS account ${a.name} is named twice`);
    accountNames.add(a.name);
    for (const u of a.users) {
      if (!NAME_RE.test(u.user))
        throw new ConfigError(`NATS user name ${JSON.stringify(u.user)} is not a plain token`);
      if (!ENV_RE.test(u.passwordEnv))
        throw new ConfigError(`password variable ${JSON.stringify(u.passwordEnv)} is not a variable name`);
      checkSubjects([...u.publish, ...u.subscribe], u.user);
      if (names.has(u.user)) throw new ConfigError(`NATS user ${u.user} is named twice`);
      if (envs.has(u.passwordEnv))
        throw new ConfigError(`two users take their password from ${u.passwordEnv}: rename one`, {
          context: { user: u.user },
        });
      names.add(u.user);
      envs.add(u.passwordEnv);
    }
  }
  for (const l of links) {
    for (const end of [l.from, l.to])
      if (!accountNames.has(end)) throw new ConfigError(`a link names account ${end}, which is not written`);
    checkSubjects([...l.streams, ...l.services], `the link from ${l.from} to ${l.to}`);
  }
}

/** The `exports` and `imports` lines of `account`: a subject exported to several accounts once. */
function linkLines(account: string, links: readonly AccountLink[]): string[] {
  const exported = new Map<string, { kind: 'stream' | 'service'; to: string[] }>();
  const imports: string[] = [];
  for (const l of links) {
    const pairs = [
      ...l.streams.map((subject) => ['stream', subject] as const),
      ...l.services.map((subject) => ['service', subject] as const),
    ];
    for (const [kind, subject] of pairs) {
      if (l.from === account) {
        const key = `${kind} ${subject}`;
        const entry = exported.get(key) ?? { kind, to: [] };
        entry.to.push(l.to);
        exported.set(key, entry);
      }
      if (l.to === account)
        imports.push(`      {${kind}: {account: ${l.from}, subject: ${JSON.stringify(subject)}}}`);
    }
  }
  const lines: string[] = [];
  if (exported.size > 0) {
    lines.push('    exports = [');
    for (const [key, { kind, to }] of exported)
      lines.push(
        `      {${kind}: ${JSON.stringify(key.slice(kind.length + 1))}, accounts: [${to.join(', ')}]}`,
      );
    lines.push('    ]');
  }
  if (imports.length > 0) lines.push('    imports = [', ...imports, '    ]');
  return lines;
}

/**
 * The text of an accounts file holding `accounts`, linked by `links`, after `header` (comment lines).
 * @throws ConfigError for an account, user name, variable or subject that would not read back as
 *   written, one named twice, or a link to an account not written.
 */
export function renderAccounts(
  accounts: readonly Account[],
  header: readonly string[],
  links: readonly AccountLink[] = [],
): string {
  check(accounts, links);
  const lines = [...header.map((h) => (h ? `# ${h}` : '#')), '', 'accounts {'];
  for (const [i, account] of accounts.entries()) {
    if (i > 0) lines.push('');
    if (account.comment) lines.push(`  # ${account.comment}`);
    lines.push(`  ${account.name} {`, '    users = [');
    for (const u of account.users) {
      lines.push('      {');
      if (u.comment) lines.push(`        # ${u.comment}`);
      lines.push(`        user: ${u.user}, password: $${u.passwordEnv}`);
      lines.push('        permissions: {');
      lines.push(`          publish: { allow: [${quoted(u.publish)}] }`);
      lines.push(`          subscribe: { allow: [${quoted(u.subscribe)}] }`);
      if (u.allowResponses) lines.push('          allow_responses: true');
      lines.push('        }');
      lines.push('      }');
    }
    lines.push('    ]', ...linkLines(account.name, links), '  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}
