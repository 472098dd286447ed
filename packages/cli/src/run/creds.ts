/**
 * What `specmesh creds` does when it runs; the command and its flags are described in
 * commands/creds.ts. The permissions come from @specmesh/protocol (one table for the code and the
 * configuration), the accounts file's text from @specmesh/runtime.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  assertSubjectToken,
  createSubjects,
  type EdgeSiteLinks,
  edgeSiteLinks,
  type InstanceRole,
  instancePermissions,
  type SubjectPermissions,
} from '@specmesh/protocol';
import { ConfigError } from '@specmesh/protocol/errors';
import {
  type Account,
  type AccountLink,
  type AccountUser,
  envNameOf,
  renderAccounts,
} from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { CredsArgs } from '../commands/creds.js';
import { createOutput } from '../output.js';

/** One user to write: an instance of a role, the operators, or an edge site's leaf link. */
interface ClusterUser {
  readonly user: string;
  readonly kind: InstanceRole | 'operator' | 'leaf';
  readonly permissions: SubjectPermissions;
  readonly comment: string;
  /** An edge site's leaf link: what crosses between the site's account and the cloud's. */
  readonly site?: EdgeSiteLinks;
}

/** The account of the cloud's instances (and operators). */
const CLOUD_ACCOUNT = 'SPECMESH';

/** The account of the edge site whose leaf link logs in as `leaf`. */
export const siteAccountOf = (leaf: string) => `EDGE_${envNameOf(leaf)}`;

const ROLES: readonly InstanceRole[] = ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway'];

/** `--drafter a,b --drafter c` → [a, b, c]. */
const listOf = (values: readonly string[]) =>
  values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** The users of the cluster the flags describe. */
export function clusterUsers(
  args: Pick<CredsArgs, InstanceRole | 'edge' | 'operator' | 'prefix'>,
): ClusterUser[] {
  const subjects = createSubjects({ prefix: args.prefix });
  const users: ClusterUser[] = [];
  for (const role of ROLES)
    for (const id of listOf(args[role]))
      users.push({
        user: assertSubjectToken(id, `${role} id`),
        kind: role,
        permissions: instancePermissions(subjects, role, id),
        comment: `${role} ${id}: its own subjects only`,
      });
  users.push({
    user: assertSubjectToken(args.operator, 'operator user'),
    kind: 'operator',
    permissions: instancePermissions(subjects, 'operator', args.operator),
    comment: 'operators: specmesh status and specmesh drain',
  });
  for (const site of args.edge) {
    const [leaf, drafters] = site.split('=', 2);
    const ids = listOf([drafters ?? '']);
    if (!leaf || ids.length === 0)
      throw new ConfigError(`--edge ${JSON.stringify(site)}: write <leaf user>=<drafter id>[,<drafter id>…]`);
    const links = edgeSiteLinks(
      subjects,
      ids.map((id) => assertSubjectToken(id, 'drafter id')),
    );
    users.push({
      user: assertSubjectToken(leaf, 'leaf user'),
      kind: 'leaf',
      permissions: links.leaf,
      comment: `edge site ${leaf} (leaf link): what its drafters ${ids.join(', ')} send and read, nothing else`,
      site: links,
    });
  }
  const seen = new Set<string>();
  for (const u of users) {
    if (seen.has(u.user)) throw new ConfigError(`${u.user} is named twice: every instance needs its own id`);
    seen.add(u.user);
  }
  if (users.length === 1) throw new ConfigError('name at least one instance (--scheduler, --drafter, …)');
  return users;
}

/**
 * A new random password. nats-server parses a variable's value as a configuration value, so one that
 * begins like a number (`12…`, `9e5…`, as a hex string may) is read as a number or refused, and the
 * server does not start: a letter first keeps every password a string.
 */
const newPassword = () => `k${randomBytes(24).toString('hex')}`;

/** Whether nats-server reads `password` from its environment as the string it is. */
const readsAsString = (password: string) =>
  !/^[-+.0-9]/.test(password) && !/^(true|false|yes|no|on|off)$/i.test(password);

/** The password variable nats-server reads for `user`. */
export const passwordEnvOf = (user: string) => `SPECMESH_PASSWORD_${envNameOf(user)}`;

/** `NAME=value` lines of an env file. */
function readEnv(path: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function writeSecret(path: string, text: string) {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const ACCOUNTS_HEADER = [
  'One NATS user per specmesh instance, each allowed only its own subjects: an instance reads the',
  'prompts, results and replies of the sessions placed on it and writes only their tasks, preempts and',
  'token streams; a gateway reads only the streams of its own requests (docs/protocol.md, "Tenants',
  'apart"). Each edge site is an account of its own, which its leaf link logs in to: only its own',
  "drafters' subjects cross between it and the cloud's account (exports and imports), so nothing an",
  'edge machine sends can claim another host. Passwords come from the environment of nats-server',
  '($SPECMESH_PASSWORD_<ID>, nats.env). Written by `specmesh creds`; run it again to add instances',
  '(existing passwords are kept).',
];

const accountUserOf = (u: ClusterUser): AccountUser => ({
  user: u.user,
  passwordEnv: passwordEnvOf(u.user),
  publish: u.permissions.publish,
  subscribe: u.permissions.subscribe,
  allowResponses: u.permissions.allowResponses,
  comment: u.comment,
});

/** The accounts of the cluster's users: the cloud's, and one per edge site, with what crosses. */
export function clusterAccounts(users: readonly ClusterUser[]): {
  accounts: Account[];
  links: AccountLink[];
} {
  const accounts: Account[] = [
    { name: CLOUD_ACCOUNT, users: users.filter((u) => !u.site).map(accountUserOf) },
  ];
  const links: AccountLink[] = [];
  for (const u of users) {
    if (!u.site) continue;
    const name = siteAccountOf(u.user);
    accounts.push({
      name,
      comment: `edge site ${u.user}: only its drafters' subjects cross to and from ${CLOUD_ACCOUNT}`,
      users: [accountUserOf(u)],
    });
    links.push(
      { from: name, to: CLOUD_ACCOUNT, streams: u.site.siteStreams, services: u.site.siteServices },
      { from: CLOUD_ACCOUNT, to: name, streams: u.site.cloudStreams, services: u.site.cloudServices },
    );
  }
  return { accounts, links };
}

export async function runCreds(args: ArgumentsCamelCase<CredsArgs>): Promise<void> {
  const users = clusterUsers(args);
  const dir = resolve(args.out);
  mkdirSync(dir, { recursive: true });
  const { accounts: byAccount, links } = clusterAccounts(users);
  const accounts = join(dir, 'accounts.conf');
  writeFileSync(accounts, renderAccounts(byAccount, ACCOUNTS_HEADER, links));

  const natsEnv = join(dir, 'nats.env');
  const passwords = readEnv(natsEnv);
  const replaced: string[] = [];
  for (const u of byAccount.flatMap((a) => a.users)) {
    const kept = passwords.get(u.passwordEnv);
    if (kept !== undefined && readsAsString(kept)) continue;
    if (kept !== undefined) replaced.push(u.user);
    passwords.set(u.passwordEnv, newPassword());
  }
  writeSecret(
    natsEnv,
    [...passwords]
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
      .concat('\n'),
  );
  const written = [accounts, natsEnv];
  for (const u of users) {
    if (u.kind === 'leaf') continue;
    const file = join(dir, `${u.user}.env`);
    writeSecret(file, `SPECMESH_USER=${u.user}\nSPECMESH_PASSWORD=${passwords.get(passwordEnvOf(u.user))}\n`);
    written.push(file);
  }
  createOutput(args.json).result(
    { dir, written, users: users.map((u) => ({ user: u.user, kind: u.kind })) },
    (r) =>
      [
        ...r.written.map((f) => `wrote ${f}`),
        ...replaced.map(
          (user) =>
            `${user}: its password in nats.env was not one nats-server reads as text (it began like a number): replaced`,
        ),
        `NATS servers: include ${accounts} and load ${natsEnv} into their environment`,
        'each instance: run it as --name <id> with <id>.env in its environment (systemd: specmesh@<id>)',
        ...users
          .filter((u) => u.kind === 'leaf')
          .map(
            (u) =>
              `edge site ${u.user}: its leaf remote logs in as ${u.user} with ${passwordEnvOf(u.user)} (account ${siteAccountOf(u.user)})`,
          ),
      ].join('\n'),
  );
}
