#!/usr/bin/env node
/**
 * Chaos: a local cluster (every role a `specmesh node` process under the supervisor) generates
 * continuously while role processes are killed with SIGKILL and restarted by the supervisor. Every
 * output is checked against the target model's own greedy output.
 *
 *   node examples/chaos/run.mjs                                   # 30 s, kill a role every 1.5 s
 *   node examples/chaos/run.mjs --seconds 60 --every-ms 800 --roles verifier,batcher,drafter,scheduler
 *
 * Exits 1 if any output differs from the target's or any request fails.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { collect, generate } from '@specmesh/actors';
import { EmulatedModel } from '@specmesh/models';
import { Actor, createLogger, MembershipView, Supervisor, startNatsServer } from '@specmesh/runtime';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const { values: o } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    'every-ms': { type: 'string', default: '1500' },
    roles: { type: 'string', default: 'verifier,batcher,drafter' },
    concurrency: { type: 'string', default: '4' },
    seed: { type: 'string', default: '5' },
  },
});
const seconds = Number(o.seconds);
const everyMs = Number(o['every-ms']);
const concurrency = Number(o.concurrency);
const seed = Number(o.seed);
const victims = o.roles.split(',');
const MAX = 24;

const target = new EmulatedModel({ seed });
const reference = (prompt) => {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  const out = [];
  for (let i = 0; i < MAX; i++) {
    const t = target.targetArgmax(ctx);
    out.push(t);
    ctx.push(t);
  }
  return out.join(',');
};

const server = await startNatsServer();
const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'ignore'], initialDelayMs: 100, maxRestarts: 1000 });
const model = ['--seed', String(seed), '--target-tpot-ms', '8', '--draft-tpot-ms', '1'];
const plan = [
  ['scheduler', 1, []],
  ['batcher', 2, []],
  ['verifier', 3, model],
  ['drafter', 2, model],
];
const names = [];
for (const [role, n, extra] of plan)
  for (let i = 1; i <= n; i++) {
    const name = `${role}-${i}`;
    names.push(name);
    sup.start({
      name,
      args: [
        CLI,
        'node',
        '--role',
        role,
        '--name',
        name,
        '--nats',
        server.url,
        '--prefix',
        'chaos',
        '--heartbeat-ms',
        '200',
        '--log-level',
        'silent',
        ...extra,
      ],
    });
  }
const client = await Actor.start({
  role: 'gateway',
  servers: server.url,
  subjects: { prefix: 'chaos' },
  heartbeatIntervalMs: 0,
  requestTimeoutMs: 20_000,
  logger: createLogger({ level: 'silent' }),
});
const view = new MembershipView().start(client, 50);
await view.waitFor((ms) => ms.length >= names.length, 30_000);
process.stdout.write(
  `• ${names.length} roles up; generating for ${seconds} s, killing one of [${victims}] every ${everyMs} ms …\n`,
);

const stats = { ok: 0, mismatched: 0, failed: 0, kills: 0 };
const killed = {};
const until = Date.now() + seconds * 1000;
const chaos = setInterval(() => {
  const pool = names.filter((n) => victims.some((v) => n.startsWith(`${v}-`)));
  const name = pool[Math.floor(Math.random() * pool.length)];
  if (name && sup.kill(name, 'SIGKILL')) {
    stats.kills++;
    killed[name] = (killed[name] ?? 0) + 1;
  }
}, everyMs);

let n = 0;
const worker = async () => {
  while (Date.now() < until) {
    const prompt = `chaos ${n++}`;
    try {
      const out = await collect(
        await generate(client, {
          requestId: `chaos-${n}-${Date.now()}`,
          prompt,
          maxTokens: MAX,
          sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
          mode: n % 2 ? 'dsi' : 'si',
          window: { policy: 'static', k: 4 },
          deadlineAt: Date.now() + 60_000,
        }),
      );
      if (out.tokens.join(',') === reference(prompt)) stats.ok++;
      else stats.mismatched++;
    } catch (err) {
      stats.failed++;
      process.stdout.write(`  request "${prompt}" failed: ${err.code ?? ''} ${err.message}\n`);
    }
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(chaos);
const restarts = sup.status().reduce((s, c) => s + c.restarts, 0);
process.stdout.write(
  `• ${stats.ok} requests equal to the target's greedy output, ${stats.mismatched} different, ${stats.failed} failed; ${stats.kills} kills (${Object.entries(
    killed,
  )
    .map(([k, v]) => `${k}×${v}`)
    .join(', ')}), ${restarts} restarts\n`,
);
view.stop();
await client.stop();
await sup.stopAll();
await server.stop();
process.exitCode = stats.mismatched + stats.failed > 0 ? 1 : 0;
