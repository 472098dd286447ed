/**
 * Writes a nats-server `accounts` block: one account, one user per entry, each with its subject
 * permissions and a password that nats-server reads from its environment (`$NAME`), so the file itself
 * holds no secret and can live in version control.
 */
import { ConfigError } from '@specmesh/protocol/errors';

/** One NATS user of the account. */
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

const NAME_RE = /^[A-Za-z0-9_\-:]+$/;
const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;
const SUBJECT_RE = /^[A-Za-z0-9_\-:.*>]+$/;

/** `id` as the tail of an environment variable name: upper case, anything else an underscore. */
export function envNameOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

const quoted = (subjects: readonly string[]) => subjects.map((s) => JSON.stringify(s)).join(', ');

/**
 * The text of an accounts file for `account` holding `users`, after `header` (comment lines).
 * @throws ConfigError for a user name, variable or subject that would not read back as written, or a
 *   user or variable named twice.
 */
export function renderAccounts(
  account: string,
  users: readonly AccountUser[],
  header: readonly string[],
): string {
  const names = new Set<string>();
  const envs = new Set<string>();
  for (const u of users) {
    if (!NAME_RE.test(u.user))
      throw new ConfigError(`NATS user name ${JSON.stringify(u.user)} is not a plain token`);
    if (!ENV_RE.test(u.passwordEnv))
      throw new ConfigError(`password variable ${JSON.stringify(u.passwordEnv)} is not a variable name`);
    for (const s of [...u.publish, ...u.subscribe])
      if (!SUBJECT_RE.test(s))
        throw new ConfigError(`subject ${JSON.stringify(s)} of ${u.user} is not plain`);
    if (names.has(u.user)) throw new ConfigError(`NATS user ${u.user} is named twice`);
    if (envs.has(u.passwordEnv))
      throw new ConfigError(`two users take their password from ${u.passwordEnv}: rename one`, {
        context: { user: u.user },
      });
    names.add(u.user);
    envs.add(u.passwordEnv);
  }
  const lines = [
    ...header.map((h) => (h ? `# ${h}` : '#')),
    '',
    'accounts {',
    `  ${account} {`,
    '    users = [',
  ];
  for (const u of users) {
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
  lines.push('    ]', '  }', '}', '');
  return lines.join('\n');
}
