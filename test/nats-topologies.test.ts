/**
 * Every shipped NATS topology enforces the same subject table: what each set of credentials may
 * publish into the cluster and read out of it, and nothing more.
 *
 * - **local**: infra/nats/local-auth.conf, one server with the per-role users.
 * - **cloud**: three servers of infra/nats/cloud.conf routed to each other, over TLS with certificates
 *   of `specmesh certs`; the forger connects to one server and the listeners to another, so what
 *   crosses a route is checked.
 * - **edge**: a server of infra/nats/edge-leaf.conf joined to that cloud as a leaf node. Its local
 *   clients connect without credentials; what they send or read crosses the leaf link, which the
 *   cloud binds to the `leaf` user.
 *
 * For every credential (each role's user, the leaf user, an edge client, none) the test publishes a
 * real message on every subject a role sends and counts what the cloud's listeners receive: exactly
 * the entitled ones arrive. It subscribes to every subject that carries someone's prompts, drafts,
 * results, output or replies (and to `>`): only the entitled subscriptions survive, and an edge client
 * receives nothing else. The shipped files are used as they are, with only hosts and ports changed
 * (each change asserted to apply, so a reshaped file fails here rather than going untested).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Codec, decodeMessage, inboxPrefix, type MessageKind } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import {
  freePort,
  machineLoadFactor,
  makePrivateCa,
  type NatsServerHandle,
  startNatsServer,
} from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from './helpers/within.js';

const NATS_DIR = fileURLToPath(new URL('../infra/nats/', import.meta.url));
const P = 'specmesh.v1';

const PASSWORDS = Object.fromEntries(
  readFileSync(join(NATS_DIR, 'nats.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^SPECMESH_\w+=/.test(l))
    .map((l) => l.split('=') as [string, string]),
);
const passwordOf = (user: string) => PASSWORDS[`SPECMESH_${user.toUpperCase()}_PASSWORD`]!;

/** A message some role sends, the subject it goes to, and a user entitled to read it there. */
interface Send {
  readonly name: string;
  readonly kind: MessageKind;
  /** Where `who` sends it: a subject of its own, so the listeners can tell who sent what. */
  readonly subject: (who: string) => string;
  /** What the reader subscribes to. */
  readonly all: string;
  readonly reader: string;
}

const send = (name: string, kind: MessageKind, area: string, reader: string): Send => ({
  name,
  kind,
  subject: (who) => `${P}.${area}.${who}`,
  all: `${P}.${area}.*`,
  reader,
});

const SENDS: readonly Send[] = [
  {
    name: 'submit',
    kind: 'submit',
    subject: () => `${P}.sched.submit`,
    all: `${P}.sched.submit`,
    reader: 'scheduler',
  },
  send('session', 'session.start', 'session', 'drafter'),
  send('verify', 'verify.task', 'verify', 'batcher'),
  send('batch', 'batch', 'batch', 'verifier'),
  send('result', 'verify.result', 'result', 'drafter'),
  send('preempt', 'preempt', 'preempt', 'batcher'),
  send('tokens', 'tokens', 'tokens', 'gateway'),
  send('verifier heartbeat', 'heartbeat', 'hb.verifier', 'scheduler'),
  send('drain', 'drain', 'ctl', 'scheduler'),
];

/** What each credential may send (by {@link Send} name): the table the configs must enforce. */
const MAY_SEND: Record<string, readonly string[]> = {
  scheduler: ['session', 'tokens'],
  batcher: ['batch', 'result'],
  verifier: ['verify', 'result', 'preempt', 'tokens', 'verifier heartbeat'],
  drafter: ['verify', 'preempt', 'tokens'],
  gateway: ['submit', 'session'],
  operator: ['drain'],
  leaf: ['verify', 'preempt', 'tokens'],
  edge: ['verify', 'preempt', 'tokens'],
};

/** Subscriptions that would read someone else's work, and which credentials may hold them. */
const READS: Record<string, readonly string[]> = {
  '>': [],
  [`${P}.>`]: [],
  [`${P}.sched.submit`]: ['scheduler'],
  [`${P}.session.*`]: ['verifier', 'drafter', 'leaf', 'edge'],
  [`${P}.verify.*`]: ['batcher'],
  [`${P}.batch.*`]: ['verifier'],
  [`${P}.result.*`]: ['verifier', 'drafter', 'leaf', 'edge'],
  [`${P}.preempt.*`]: ['batcher', 'verifier'],
  [`${P}.tokens.*`]: ['gateway'],
  '_INBOX.>': [],
  '_INBOX.gateway.>': ['gateway'],
  '_INBOX.scheduler.>': ['scheduler'],
  '_INBOX.batcher.>': ['batcher'],
};

const CLOUD_USERS = ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'operator', 'leaf'];

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

/** Servers that require TLS (the cloud's), and the CA their certificates come from. */
const tlsServers = new Set<string>();
let caFile = '';

/** A client connection; `errors` collects the permission violations the server reports. */
async function client(url: string, user?: string): Promise<{ nc: NatsConnection; errors: string[] }> {
  const nc = await connect({
    servers: url,
    ...(tlsServers.has(url) ? { tls: { caFile } } : {}),
    ...(user ? { user, pass: passwordOf(user), inboxPrefix: inboxPrefix(user) } : {}),
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

  /**
   * Subscribes on `url`, and returns once a sender on `from` (as `user`) reaches every listener:
   * each listener subscribes to pings last, so its other interest has crossed routes and leaf links.
   */
  static async start(url: string, from: string, user: string | undefined): Promise<Listeners> {
    const l = new Listeners();
    const readers = [...new Set(SENDS.map((s) => s.reader))];
    for (const [i, reader] of readers.entries()) {
      const { nc } = await client(url, reader);
      for (const s of SENDS.filter((x) => x.reader === reader))
        nc.subscribe(s.all, {
          callback: (_err, m) => {
            l.heard.push(`${m.subject} ${decodeMessage(m.data).from}`);
          },
        });
      // Every user may read pings: a sender's last message, after which nothing it sent is pending.
      nc.subscribe(`${P}.ping.*`, {
        callback: (_err, m) => {
          l.heard.push(`${m.subject} #${i}`);
        },
      });
      await nc.flush();
      l.conns.push(nc);
    }
    const { nc } = await client(from, user);
    const ready = `${P}.ping.listeners-ready`;
    const everyListenerHeard = () => {
      nc.publish(ready);
      return readers.every((_r, i) => l.heard.includes(`${ready} #${i}`));
    };
    expect(await until(everyListenerHeard, 10_000), 'listeners ready').toBe(true);
    await nc.close();
    return l;
  }

  /** Waits for `subject`, then for every listener's server to have written all before it. */
  async settle(subject: string): Promise<void> {
    const heard = () => this.heard.includes(`${subject} #0`);
    expect(await until(heard, 5000), `${subject} arrives`).toBe(true);
    // A PING's PONG comes after every message the server queued for that connection before it.
    await Promise.all(this.conns.map((c) => c.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close()));
  }
}

/** Publishes every message of {@link SENDS} as `who`, then the ping that marks the end. */
async function sendAll(nc: NatsConnection, who: string, listeners: Listeners): Promise<string[]> {
  const codec = new Codec({ from: who });
  const bodies = sampleBodies();
  listeners.heard.length = 0;
  for (const s of SENDS) nc.publish(s.subject(who), codec.encode(s.kind, bodies[s.kind]));
  const end = `${P}.ping.end-${who}`;
  nc.publish(end, codec.encode('ping', bodies.ping));
  await nc.flush();
  await listeners.settle(end);
  return SENDS.filter((s) => listeners.heard.includes(`${s.subject(who)} ${who}`)).map((s) => s.name);
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
    Object.assign(process.env, PASSWORDS, {
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

    const routePorts = [await freePort(), await freePort(), await freePort()];
    const leafPorts = [await freePort(), await freePort(), await freePort()];
    const shipped = readFileSync(join(NATS_DIR, 'cloud.conf'), 'utf8');
    for (let i = 0; i < 3; i++) {
      let conf = swap(shipped, 'http: 0.0.0.0:8222', '');
      conf = swap(conf, 'listen: 0.0.0.0:6222', `listen: 127.0.0.1:${routePorts[i]}`);
      conf = swap(conf, 'listen: 0.0.0.0:7422', `listen: 127.0.0.1:${leafPorts[i]}`);
      for (let j = 0; j < 3; j++)
        conf = swap(conf, `nats-route://nats-${j + 1}:6222`, `nats-route://127.0.0.1:${routePorts[j]}`);
      writeFileSync(join(dir, `cloud-${i + 1}.conf`), conf);
    }
    cloud = await Promise.all(
      [0, 1, 2].map((i) =>
        startNatsServer({ name: `nats-${i + 1}`, args: ['-c', join(dir, `cloud-${i + 1}.conf`)] }),
      ),
    );
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
    const { nc: probe } = await client(cloud[0]!.url, 'scheduler');
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
      const subs = Object.keys(READS).map((subject) => ({ subject, sub: nc.subscribe(subject) }));
      await nc.flush();
      const refused = new Set<string>();
      await Promise.all(
        subs.map(async ({ subject, sub }) => {
          const outcome = await Promise.race([sub.closed, nc.flush().then(() => 'open')]);
          if (outcome instanceof Error) refused.add(subject);
        }),
      );
      for (const [subject, allowed] of Object.entries(READS))
        expect(refused.has(subject), `${user} reading ${subject}`).toBe(!allowed.includes(user));
      await nc.close();
    }
  });

  it('edge: an edge client reads no submit, batch, task, output or foreign reply from the cloud', async () => {
    const { nc: reader } = await client(edge.url);
    const got: string[] = [];
    for (const subject of Object.keys(READS))
      reader.subscribe(subject, {
        callback: (_e, m) => {
          got.push(`${subject} ${m.subject}`);
        },
      });
    await reader.flush();
    // The cloud side: every role sends what it sends, a gateway gets a reply on its inbox, and each
    // ends with a ping the edge may read, after which nothing it sent is pending.
    const responder = await client(cloud[0]!.url, 'scheduler');
    responder.nc.subscribe(`${P}.ping.responder`, {
      callback: (_e, m) => {
        m.respond(new Uint8Array(1));
      },
    });
    await responder.nc.flush();
    const codec = new Codec({ from: 'cloud' });
    const bodies = sampleBodies();
    const ends: string[] = [];
    for (const user of CLOUD_USERS.filter((u) => u !== 'leaf')) {
      const { nc } = await client(cloud[1]!.url, user);
      for (const s of SENDS.filter((x) => MAY_SEND[user]!.includes(x.name)))
        nc.publish(s.subject(user), codec.encode(s.kind, bodies[s.kind]));
      if (user === 'gateway') await nc.request(`${P}.ping.responder`, new Uint8Array(1), { timeout: 5000 });
      const end = `${P}.ping.end-${user}`;
      nc.publish(end);
      ends.push(end);
      await nc.flush();
      await nc.close();
    }
    const all = await until(() => ends.every((e) => got.includes(`> ${e}`)), 5000);
    expect(all, 'every cloud user’s last ping reaches the edge').toBe(true);
    await reader.flush();
    const readable = /^specmesh\.v1\.(session|result|hb|ctl|ping|metrics)\.|^_INBOX\.drafter\./;
    const leaked = got.map((g) => g.split(' ')[1]!).filter((subject) => !readable.test(subject));
    expect(leaked).toEqual([]);
    // The edge does read what a drafter must: the sessions and results sent to it.
    expect(got).toContainEqual(`${P}.session.* ${P}.session.scheduler`);
    expect(got).toContainEqual(`${P}.result.* ${P}.result.batcher`);
    await reader.close();
    await responder.nc.close();
  });
});
