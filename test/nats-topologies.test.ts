/**
 * Every shipped NATS topology enforces the same subject table: what each set of credentials may
 * publish into the cluster and read out of it, and nothing more.
 *
 * - **local**: infra/nats/local-auth.conf, one server with the per-instance users of `specmesh creds`.
 * - **cloud**: three servers of infra/nats/cloud.conf routed to each other, over TLS with certificates
 *   of `specmesh certs`; the forger connects to one server and the listeners to another, so what
 *   crosses a route is checked.
 * - **edge**: a server of infra/nats/edge-leaf.conf joined to that cloud as a leaf node. Its local
 *   clients connect without credentials; what they send or read crosses the leaf link, which the
 *   cloud binds to the site's user (`leaf`, whose one drafter is `edge-drafter-1`) in the site's own
 *   account: only that drafter's subjects cross between it and the cloud's account.
 *
 * The instances are tenants of one another. For every credential (instances of each role, the leaf
 * user, an edge client, none) the test publishes a real message on every subject an instance sends,
 * its own and another instance's, and counts what the cloud's listeners receive: exactly the entitled
 * ones arrive. It subscribes to every subject that carries someone's prompts, drafts, results, output
 * or replies, its own and others' (and `>`): only its own survive, and an edge client receives nothing
 * of anyone else's sessions, streams or replies. The shipped files are used as they are, with only hosts and ports changed
 * (each change asserted to apply, so a reshaped file fails here rather than going untested).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Codec, decodeMessage, inboxPrefix, type MessageKind, PROTOCOL_VERSION } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import {
  freePort,
  machineLoadFactor,
  makePrivateCa,
  type NatsServerHandle,
  startNatsServer,
} from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { EXAMPLE_PASSWORDS, NATS_DIR, passwordOf } from './helpers/example-cluster.js';
import { within } from './helpers/within.js';

const P = `specmesh.v${PROTOCOL_VERSION}`;

/**
 * The credentials tried. Instances of the example cluster (accounts.conf) act as tenants of one another:
 * `drafter-1`, `gateway-1` and `verifier-1` are the others whose work they must not reach. `leaf` is the
 * edge site's user (its drafter: `edge-drafter-1`) and `edge` a client of the edge server with no
 * credentials, whose traffic crosses the leaf link as `leaf`.
 */
const CLOUD_USERS = ['scheduler-1', 'batcher-1', 'verifier-1', 'drafter-2', 'gateway-2', 'operator', 'leaf'];
const EDGE_DRAFTER = 'edge-drafter-1';
/** The instance a credential is: its own id, or the edge's drafter for the leaf user and edge clients. */
const instanceOf = (who: string) => (who === 'leaf' || who === 'edge' ? EDGE_DRAFTER : who);
/** `drafter-2` → `drafter`. */
const roleOf = (id: string) => (id === EDGE_DRAFTER ? 'drafter' : id.replace(/-\d+$/, ''));

/** A message some instance sends, the subject it goes to, and an instance entitled to read it there. */
interface Send {
  readonly name: string;
  readonly kind: MessageKind;
  /** Where instance `me` sends it. */
  readonly subject: (me: string) => string;
  /** What the reader subscribes to. */
  readonly all: string;
  readonly reader: string;
}

const send = (
  name: string,
  kind: MessageKind,
  subject: (me: string) => string,
  all: string,
  reader: string,
): Send => ({ name, kind, subject, all, reader });

const SENDS: readonly Send[] = [
  send('submit', 'submit', () => `${P}.sched.submit`, `${P}.sched.submit`, 'scheduler-1'),
  send('session', 'session.start', () => `${P}.session.drafter-1`, `${P}.session.drafter-1`, 'drafter-1'),
  send('verify', 'verify.task', (me) => `${P}.verify.default.${me}`, `${P}.verify.*.*`, 'batcher-1'),
  send(
    'verify as drafter-1',
    'verify.task',
    () => `${P}.verify.default.drafter-1`,
    `${P}.verify.*.*`,
    'batcher-1',
  ),
  send('batch', 'batch', () => `${P}.batch.verifier-1`, `${P}.batch.verifier-1`, 'verifier-1'),
  send(
    'direct',
    'verify.task',
    (me) => `${P}.direct.verifier-1.${me}`,
    `${P}.direct.verifier-1.*`,
    'verifier-1',
  ),
  send(
    'direct as drafter-1',
    'verify.task',
    () => `${P}.direct.verifier-1.drafter-1`,
    `${P}.direct.verifier-1.*`,
    'verifier-1',
  ),
  send('result', 'verify.result', () => `${P}.result.drafter-1.s`, `${P}.result.drafter-1.*`, 'drafter-1'),
  send('preempt', 'preempt', (me) => `${P}.preempt.${me}.s`, `${P}.preempt.*.*`, 'batcher-1'),
  send('preempt as drafter-1', 'preempt', () => `${P}.preempt.drafter-1.s`, `${P}.preempt.*.*`, 'batcher-1'),
  send(
    'predraft',
    'predraft',
    (me) => `${P}.predraft.drafter-1.${me}`,
    `${P}.predraft.drafter-1.*`,
    'drafter-1',
  ),
  send(
    'predraft as verifier-1',
    'predraft',
    () => `${P}.predraft.drafter-1.verifier-1`,
    `${P}.predraft.drafter-1.*`,
    'drafter-1',
  ),
  send('tokens', 'tokens', (me) => `${P}.tokens.gateway-1.${me}.r`, `${P}.tokens.gateway-1.*.r`, 'gateway-1'),
  send(
    'tokens as drafter-1',
    'tokens',
    () => `${P}.tokens.gateway-1.drafter-1.r`,
    `${P}.tokens.gateway-1.*.r`,
    'gateway-1',
  ),
  send(
    'verifier heartbeat',
    'heartbeat',
    (me) => `${P}.hb.verifier.${me}`,
    `${P}.hb.verifier.*`,
    'scheduler-1',
  ),
  send(
    'heartbeat as verifier-1',
    'heartbeat',
    () => `${P}.hb.verifier.verifier-1`,
    `${P}.hb.verifier.*`,
    'scheduler-1',
  ),
  send('drafter heartbeat', 'heartbeat', (me) => `${P}.hb.drafter.${me}`, `${P}.hb.drafter.*`, 'scheduler-1'),
  send(
    'heartbeat as drafter-1',
    'heartbeat',
    () => `${P}.hb.drafter.drafter-1`,
    `${P}.hb.drafter.*`,
    'scheduler-1',
  ),
  send('drain', 'drain', () => `${P}.ctl.scheduler-1`, `${P}.ctl.scheduler-1`, 'scheduler-1'),
];

/**
 * What an edge site may send: its own drafter's tasks, preempts, token streams and heartbeat, and
 * nothing in another host's name. The site is an account of its own (accounts.conf), and only its
 * drafter's subjects cross to the cloud's. It asks the cloud's drafters for no pre-drafts: it does
 * not see their heartbeats (NATS refuses the cycle that exporting them to the site would form).
 */
const EDGE_SENDS = ['verify', 'direct', 'preempt', 'tokens', 'drafter heartbeat'];

/** What each credential may send (by {@link Send} name): the table the configs must enforce. */
const MAY_SEND: Record<string, readonly string[]> = {
  'scheduler-1': ['session'],
  'batcher-1': ['batch', 'result'],
  'verifier-1': [
    'verify',
    'direct',
    'result',
    'preempt',
    'tokens',
    'verifier heartbeat',
    'heartbeat as verifier-1',
  ],
  'drafter-2': ['verify', 'direct', 'preempt', 'predraft', 'tokens', 'drafter heartbeat'],
  'gateway-2': ['submit', 'session'],
  operator: ['drain'],
  leaf: EDGE_SENDS,
  edge: EDGE_SENDS,
};

/**
 * Subscriptions that would read someone's work, for instance `me`, and which credentials may hold them:
 * each only its own sessions, results, batches, streams and replies.
 */
function readsOf(me: string): Record<string, readonly string[]> {
  const hosts = ['verifier-1', 'drafter-2', 'leaf', 'edge'];
  return {
    '>': [],
    [`${P}.>`]: [],
    [`${P}.sched.submit`]: ['scheduler-1'],
    [`${P}.session.*`]: [],
    [`${P}.session.drafter-1`]: [],
    [`${P}.session.${me}`]: hosts,
    [`${P}.verify.*.*`]: ['batcher-1'],
    [`${P}.batch.*`]: [],
    [`${P}.batch.verifier-1`]: ['verifier-1'],
    [`${P}.direct.*.*`]: [],
    [`${P}.direct.verifier-1.*`]: ['verifier-1'],
    [`${P}.result.*.*`]: [],
    [`${P}.result.drafter-1.*`]: [],
    [`${P}.result.${me}.*`]: hosts,
    [`${P}.preempt.*.*`]: ['batcher-1', 'verifier-1'],
    // A cloud drafter lends on its own subject; an edge site never lends (its machines would read prefixes).
    [`${P}.predraft.*.*`]: [],
    [`${P}.predraft.drafter-1.*`]: [],
    [`${P}.predraft.${me}.*`]: ['drafter-2'],
    [`${P}.tokens.>`]: [],
    [`${P}.tokens.gateway-1.>`]: [],
    [`${P}.tokens.${me}.>`]: ['gateway-2'],
    '_INBOX.>': [],
    '_INBOX.gateway.>': [],
    '_INBOX.gateway.gateway-1.>': [],
    '_INBOX.drafter.drafter-1.>': [],
    [`${inboxPrefix(me === 'operator' ? 'operator' : roleOf(me), me)}.>`]: [...CLOUD_USERS, 'edge'],
  };
}

/** Replaces `from` by `to` in `text`, failing if the shipped file no longer contains `from`. */
function swap(text: string, from: string, to: string): string {
  expect(text, `expected ${JSON.stringify(from)} in the shipped configuration`).toContain(from);
  return text.replaceAll(from, to);
}

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms * machineLoadFactor();
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A request's answer as text, asked again while the responder's interest crosses routes and links. */
async function retryRequest(nc: NatsConnection, subject: string): Promise<string> {
  const end = Date.now() + 10_000 * machineLoadFactor();
  for (;;) {
    try {
      const m = await nc.request(subject, new Uint8Array(1), { timeout: 1000 });
      return new TextDecoder().decode(m.data);
    } catch (err) {
      if (Date.now() > end) throw err;
    }
  }
}

/** Servers that require TLS (the cloud's), and the CA their certificates come from. */
const tlsServers = new Set<string>();
let caFile = '';

/** A client connection; `errors` collects the permission violations the server reports. */
async function client(url: string, user?: string): Promise<{ nc: NatsConnection; errors: string[] }> {
  const nc = await connect({
    servers: url,
    ...(tlsServers.has(url) ? { tls: { caFile } } : {}),
    ...(user
      ? {
          user,
          pass: passwordOf(user),
          inboxPrefix: inboxPrefix(
            user === 'operator' ? 'operator' : roleOf(instanceOf(user)),
            instanceOf(user),
          ),
        }
      : {}),
    name: `${user ?? 'anonymous'}-probe`,
  });
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error.message));
  })();
  return { nc, errors };
}

/** Listeners in the cloud, one per reader user, recording `<subject> <from>` of what arrives. */
class Listeners {
  readonly heard: string[] = [];
  private readonly conns: NatsConnection[] = [];
  private readers: string[] = [];

  /**
   * Subscribes on `url`, and returns once a sender on `from` (as `user`) reaches every listener:
   * each listener subscribes to pings last, so its other interest has crossed routes and leaf links.
   */
  static async start(url: string, from: string, user: string | undefined): Promise<Listeners> {
    const l = new Listeners();
    const readers = [...new Set(SENDS.map((s) => s.reader))];
    l.readers = readers;
    for (const reader of readers) {
      const { nc } = await client(url, reader);
      for (const s of SENDS.filter((x) => x.reader === reader))
        nc.subscribe(s.all, {
          callback: (_err, m) => {
            l.heard.push(`${m.subject} ${decodeMessage(m.data).from}`);
          },
        });
      // Each instance reads the pings sent to it: a sender's last message to it, after which nothing
      // it sent there is pending (one publisher's messages reach a subscriber in order).
      nc.subscribe(`${P}.ping.${reader}`, {
        callback: (_err, m) => {
          l.heard.push(`ping ${reader} ${new TextDecoder().decode(m.data)}`);
        },
      });
      await nc.flush();
      l.conns.push(nc);
    }
    const { nc } = await client(from, user);
    const everyListenerHeard = () => {
      l.mark(nc, 'ready');
      return l.heardMark('ready');
    };
    expect(await until(everyListenerHeard, 10_000), 'listeners ready').toBe(true);
    await nc.close();
    return l;
  }

  /** Sends every listener the ping `marker` (any user may send pings). */
  mark(nc: NatsConnection, marker: string): void {
    for (const r of this.readers) nc.publish(`${P}.ping.${r}`, new TextEncoder().encode(marker));
  }

  heardMark(marker: string): boolean {
    return this.readers.every((r) => this.heard.includes(`ping ${r} ${marker}`));
  }

  /** Waits until every listener heard `marker`, and so everything its sender sent before it. */
  async settle(marker: string): Promise<void> {
    expect(await until(() => this.heardMark(marker), 5000), `${marker} arrives`).toBe(true);
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close()));
  }
}

/** Publishes every message of {@link SENDS} as `who`, then the ping that marks the end. */
async function sendAll(nc: NatsConnection, who: string, listeners: Listeners): Promise<string[]> {
  const codec = new Codec({ from: who });
  const bodies = sampleBodies();
  const me = instanceOf(who);
  listeners.heard.length = 0;
  for (const s of SENDS) nc.publish(s.subject(me), codec.encode(s.kind, bodies[s.kind]));
  const end = `end-${who}`;
  listeners.mark(nc, end);
  await nc.flush();
  await listeners.settle(end);
  return SENDS.filter((s) => listeners.heard.includes(`${s.subject(me)} ${who}`)).map((s) => s.name);
}

describe('shipped NATS topologies enforce the subject table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-topologies-'));
  const servers: NatsServerHandle[] = [];
  let local: NatsServerHandle;
  let cloud: NatsServerHandle[] = [];
  let edge: NatsServerHandle;

  beforeAll(async () => {
    // What nats-server reads from its environment; each server's name comes from its flags.
    const certs = makePrivateCa({ dir: join(dir, 'tls'), hosts: ['localhost', '127.0.0.1'] });
    caFile = certs.ca.cert;
    Object.assign(process.env, EXAMPLE_PASSWORDS, {
      SPECMESH_NATS_NAME: 'nats',
      SPECMESH_EDGE_NAME: 'edge',
      SPECMESH_NATS_TLS_CERT: certs.server.cert,
      SPECMESH_NATS_TLS_KEY: certs.server.key,
      SPECMESH_NATS_TLS_CA: certs.ca.cert,
    });
    copyFileSync(join(NATS_DIR, 'accounts.conf'), join(dir, 'accounts.conf'));
    copyFileSync(join(NATS_DIR, 'local-auth.conf'), join(dir, 'local-auth.conf'));
    local = await startNatsServer({ args: ['-c', join(dir, 'local-auth.conf')] });
    servers.push(local);

    // Free ports are free when asked, not when bound: another test's server may take one first, so
    // the cloud starts again on new ones when a port turns out taken.
    let routePorts: number[] = [];
    let leafPorts: number[] = [];
    const shipped = readFileSync(join(NATS_DIR, 'cloud.conf'), 'utf8');
    for (let attempt = 1; ; attempt++) {
      routePorts = [await freePort(), await freePort(), await freePort()];
      leafPorts = [await freePort(), await freePort(), await freePort()];
      for (let i = 0; i < 3; i++) {
        let conf = swap(shipped, 'http: 0.0.0.0:8222', '');
        conf = swap(conf, 'listen: 0.0.0.0:6222', `listen: 127.0.0.1:${routePorts[i]}`);
        conf = swap(conf, 'listen: 0.0.0.0:7422', `listen: 127.0.0.1:${leafPorts[i]}`);
        for (let j = 0; j < 3; j++)
          conf = swap(conf, `nats-route://nats-${j + 1}:6222`, `nats-route://127.0.0.1:${routePorts[j]}`);
        writeFileSync(join(dir, `cloud-${i + 1}.conf`), conf);
      }
      const started = await Promise.allSettled(
        [0, 1, 2].map((i) =>
          startNatsServer({ name: `nats-${i + 1}`, args: ['-c', join(dir, `cloud-${i + 1}.conf`)] }),
        ),
      );
      const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) {
        cloud = up;
        break;
      }
      for (const s of up) await s.stop();
      if (attempt >= 3 || !/address already in use/.test(String(failed.reason))) throw failed.reason;
    }
    servers.push(...cloud);
    for (const s of cloud) tlsServers.add(s.url);

    let edgeConf = readFileSync(join(NATS_DIR, 'edge-leaf.conf'), 'utf8');
    for (let j = 0; j < 3; j++)
      edgeConf = swap(
        edgeConf,
        `nats-leaf://leaf:LEAF_PASSWORD@nats-${j + 1}:7422`,
        `nats-leaf://leaf:${passwordOf('leaf')}@127.0.0.1:${leafPorts[j]}`,
      );
    writeFileSync(join(dir, 'edge-leaf.conf'), edgeConf);
    edge = await startNatsServer({ name: 'edge-1', args: ['-c', join(dir, 'edge-leaf.conf')] });
    servers.push(edge);

    // Ready: routes carry a ping from nats-2 to nats-1, and the leaf link carries one from the edge.
    const heard: string[] = [];
    const { nc: probe } = await client(cloud[0]!.url, 'operator');
    probe.subscribe(`${P}.ping.*`, {
      callback: (_e, m) => {
        heard.push(m.subject);
      },
    });
    await probe.flush();
    for (const [url, user, subject] of [
      [cloud[1]!.url, 'operator', `${P}.ping.route-ready`],
      [edge.url, undefined, `${P}.ping.leaf-ready`],
    ] as const) {
      const { nc } = await client(url, user);
      const ready = await until(() => {
        nc.publish(subject);
        return heard.includes(subject);
      }, 10_000);
      expect(ready, subject).toBe(true);
      await nc.close();
    }
    await probe.close();
  }, within(30_000));

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('local: each role user sends only its own messages; no credentials, no connection', async () => {
    const listeners = await Listeners.start(local.url, local.url, 'operator');
    try {
      for (const user of CLOUD_USERS) {
        const { nc } = await client(local.url, user);
        expect(await sendAll(nc, user, listeners), user).toEqual(MAY_SEND[user]);
        await nc.close();
      }
    } finally {
      await listeners.close();
    }
    await expect(connect({ servers: local.url })).rejects.toThrow(/Authorization Violation/);
  });

  it('cloud: across routes, each role user sends only its own messages', async () => {
    const listeners = await Listeners.start(cloud[0]!.url, cloud[1]!.url, 'operator');
    try {
      for (const user of CLOUD_USERS) {
        const { nc } = await client(cloud[1]!.url, user);
        expect(await sendAll(nc, user, listeners), user).toEqual(MAY_SEND[user]);
        await nc.close();
      }
    } finally {
      await listeners.close();
    }
    // TLS is required, with the cluster's CA; then credentials are.
    await expect(connect({ servers: cloud[2]!.url })).rejects.toThrow(/certificate/);
    await expect(connect({ servers: cloud[2]!.url, tls: { caFile } })).rejects.toThrow(
      /Authorization Violation/,
    );
  });

  it('edge: an edge machine’s clients reach the cloud with a drafter’s messages only', async () => {
    const listeners = await Listeners.start(cloud[0]!.url, edge.url, undefined);
    try {
      const { nc } = await client(edge.url);
      expect(await sendAll(nc, 'edge', listeners)).toEqual(MAY_SEND.edge);
      await nc.close();
    } finally {
      await listeners.close();
    }
  });

  it.each([
    ['local', () => local.url],
    ['cloud', () => cloud[2]!.url],
  ])('%s: each role user may hold only its own subscriptions', async (_name, url) => {
    for (const user of CLOUD_USERS) {
      const { nc } = await client(url(), user);
      const reads = readsOf(instanceOf(user));
      const subs = Object.keys(reads).map((subject) => ({ subject, sub: nc.subscribe(subject) }));
      await nc.flush();
      const refused = new Set<string>();
      await Promise.all(
        subs.map(async ({ subject, sub }) => {
          const outcome = await Promise.race([sub.closed, nc.flush().then(() => 'open')]);
          if (outcome instanceof Error) refused.add(subject);
        }),
      );
      for (const [subject, allowed] of Object.entries(reads))
        expect(refused.has(subject), `${user} reading ${subject}`).toBe(!allowed.includes(user));
      await nc.close();
    }
  });

  it('edge: an edge client reads its drafter’s sessions and results, and nothing of anyone else', async () => {
    const { nc: reader } = await client(edge.url);
    const got: string[] = [];
    const markers: string[] = [];
    const drain = `${P}.ctl.${EDGE_DRAFTER}`;
    for (const subject of Object.keys(readsOf(EDGE_DRAFTER)))
      reader.subscribe(subject, {
        callback: (_e, m) => {
          got.push(`${subject} ${m.subject}`);
          if (subject === '>' && m.subject === drain) markers.push(new TextDecoder().decode(m.data));
        },
      });
    await reader.flush();
    // The cloud side: every instance sends what it sends (to other tenants), a gateway gets a reply on
    // its inbox, the scheduler and a batcher also send the edge's own drafter a session and a result.
    // After each, an operator on the same server sends the edge drafter a drain, which the edge may
    // read: the instance's messages were in the server before it, on the same route and leaf link.
    const responder = await client(cloud[0]!.url, 'scheduler-1');
    responder.nc.subscribe(`${P}.ping.scheduler-1`, {
      callback: (_e, m) => {
        m.respond(new Uint8Array(1));
      },
    });
    await responder.nc.flush();
    const { nc: operator } = await client(cloud[1]!.url, 'operator');
    const codec = new Codec({ from: 'cloud' });
    const bodies = sampleBodies();
    const ends: string[] = [];
    const own: Record<string, [string, MessageKind]> = {
      'scheduler-1': [`${P}.session.${EDGE_DRAFTER}`, 'session.start'],
      'batcher-1': [`${P}.result.${EDGE_DRAFTER}.s`, 'verify.result'],
    };
    for (const user of CLOUD_USERS.filter((u) => u !== 'leaf')) {
      const { nc } = await client(cloud[1]!.url, user);
      for (const s of SENDS.filter((x) => MAY_SEND[user]!.includes(x.name)))
        nc.publish(s.subject(user), codec.encode(s.kind, bodies[s.kind]));
      const mine = own[user];
      if (mine) nc.publish(mine[0], codec.encode(mine[1], bodies[mine[1]]));
      if (user === 'gateway-2')
        await nc.request(`${P}.ping.scheduler-1`, new Uint8Array(1), { timeout: 5000 });
      await nc.flush();
      await nc.close();
      operator.publish(drain, new TextEncoder().encode(`end-${user}`));
      ends.push(`end-${user}`);
    }
    await operator.flush();
    const all = await until(() => ends.every((e) => markers.includes(e)), 5000);
    expect(all, 'every drain sent after a cloud user’s messages reaches the edge').toBe(true);
    await reader.flush();
    const readable = new RegExp(
      `^${P.replace('.', '\\.')}\\.(session\\.${EDGE_DRAFTER}$|result\\.${EDGE_DRAFTER}\\.|ctl\\.${EDGE_DRAFTER}$|hb\\.(scheduler|batcher|verifier|gateway)\\.)|^_INBOX\\.drafter\\.${EDGE_DRAFTER}\\.`,
    );
    const leaked = got.map((g) => g.split(' ')[1]!).filter((subject) => !readable.test(subject));
    expect(leaked).toEqual([]);
    // The edge does read what its drafter must: the sessions and results sent to it.
    expect(got).toContainEqual(`${P}.session.${EDGE_DRAFTER} ${P}.session.${EDGE_DRAFTER}`);
    expect(got).toContainEqual(`${P}.result.${EDGE_DRAFTER}.* ${P}.result.${EDGE_DRAFTER}.s`);
    await reader.close();
    await operator.close();
    await responder.nc.close();
  });

  it('edge: the site’s drafter answers the cloud’s requests and reaches the verifiers’ pings', async () => {
    // Requests cross between the accounts with their replies: a session start (scheduler → edge
    // drafter) and a ping (edge drafter → a verifier, which is how drafters measure their round trip).
    // A drafter's replies come to its own inbox, the only one the site may read.
    const edgeDrafter = await connect({
      servers: edge.url,
      inboxPrefix: inboxPrefix('drafter', EDGE_DRAFTER),
    });
    edgeDrafter.subscribe(`${P}.session.${EDGE_DRAFTER}`, {
      callback: (_e, m) => {
        m.respond(new TextEncoder().encode('accepted'));
      },
    });
    await edgeDrafter.flush();
    const { nc: verifier } = await client(cloud[0]!.url, 'verifier-1');
    verifier.subscribe(`${P}.ping.verifier-1`, {
      callback: (_e, m) => {
        m.respond(new TextEncoder().encode('pong'));
      },
    });
    await verifier.flush();
    const { nc: scheduler } = await client(cloud[1]!.url, 'scheduler-1');
    const answer = await retryRequest(scheduler, `${P}.session.${EDGE_DRAFTER}`);
    expect(answer).toBe('accepted');
    expect(await retryRequest(edgeDrafter, `${P}.ping.verifier-1`)).toBe('pong');
    await Promise.all([edgeDrafter.close(), verifier.close(), scheduler.close()]);
  });

  it('the shipped accounts.conf is what `specmesh creds` writes for the example cluster', async () => {
    const shipped = readFileSync(join(NATS_DIR, 'accounts.conf'), 'utf8');
    const command = /^# {3}specmesh creds --out <dir> (.*)$/m.exec(shipped)?.[1];
    expect(command, 'the header names the command').toBeDefined();
    const out = join(dir, 'creds');
    const run = await runCli(['creds', '--out', out, ...command!.split(' ')]);
    expect(run.stderr).toBe('');
    const written = readFileSync(join(out, 'accounts.conf'), 'utf8');
    expect(shipped.slice(shipped.indexOf('accounts {'))).toBe(written.slice(written.indexOf('accounts {')));
    // Secrets are the user's only: every file holding a password is readable by its owner alone.
    for (const f of ['nats.env', 'drafter-1.env']) expect(statSync(join(out, f)).mode & 0o077).toBe(0);
  });
});
