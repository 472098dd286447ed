/**
 * Chaos: SIGKILL a verifier process while generations are running. Its in-flight batch times out at
 * the batcher and goes to another verifier; the supervisor restarts the killed process, which rejoins.
 * Every generation completes with exactly the target model's greedy output.
 */
import { collect, generate } from '@specmesh/actors';
import { EmulatedModel } from '@specmesh/models';
import { Actor, MembershipView, type NatsServerHandle, Supervisor, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { greedyReference } from './helpers/reference.js';
import { within } from './helpers/within.js';

const SEED = 31;
const target = new EmulatedModel({ seed: SEED });
const MODEL = [
  '--seed',
  String(SEED),
  '--agreement',
  '0.7',
  '--target-ttft-ms',
  '10',
  '--target-tpot-ms',
  '15',
];
const MODEL_FAST_DRAFT = ['--draft-ttft-ms', '1', '--draft-tpot-ms', '0.5'];

const reference = (prompt: string, maxTokens: number) => greedyReference(target, prompt, maxTokens);

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

describe('chaos: a verifier process dies mid-generation', () => {
  it(
    'every generation still completes with exactly the target output; the verifier is restarted',
    async () => {
      const sup = new Supervisor({ stdio: 'ignore', initialDelayMs: 200 });
      const common = [
        '--nats',
        server.url,
        '--prefix',
        'chaos',
        '--heartbeat-ms',
        '100',
        ...MODEL,
        ...MODEL_FAST_DRAFT,
      ];
      const roles: Array<[string, string[]]> = [
        ['scheduler-0', ['--role', 'scheduler']],
        ['batcher-0', ['--role', 'batcher', '--batch-timeout-ms', '800']],
        ['verifier-0', ['--role', 'verifier']],
        ['verifier-1', ['--role', 'verifier']],
        ['verifier-2', ['--role', 'verifier']],
        ['drafter-0', ['--role', 'drafter', '--verify-timeout-ms', '3000']],
      ];
      for (const [name, args] of roles)
        sup.start({ name, args: [CLI, 'node', '--name', name, ...args, ...common] });
      const client = await Actor.start({
        role: 'gateway',
        servers: server.url,
        subjects: { prefix: 'chaos' },
        heartbeatIntervalMs: 0,
      });
      const view = new MembershipView().start(client, 50);
      try {
        await view.waitFor((ms) => ms.length >= roles.length, within(30_000));
        await new Promise((r) => setTimeout(r, 400));
        const prompts = Array.from({ length: 6 }, (_, i) => `chaos prompt ${i}`);
        const runs = prompts.map(async (prompt, i) =>
          collect(
            await generate(client, {
              requestId: `chaos-${i}`,
              prompt,
              maxTokens: 60,
              sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
              mode: i % 2 === 0 ? 'dsi' : 'si',
              window: { policy: 'static', k: 4 },
              deadlineAt: Date.now() + 60_000,
            }),
          ),
        );
        // Let generation get going, then kill a verifier outright.
        await new Promise((r) => setTimeout(r, 250));
        const firstStart = view.get('verifier-1')!.heartbeat.startedAt;
        const restarted = sup.next(
          (e) => e.type === 'spawn' && e.name === 'verifier-1' && e.restarts === 1,
          15_000,
        );
        expect(sup.kill('verifier-1', 'SIGKILL')).toBe(true);
        const outs = await Promise.all(runs);
        for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(prompts[i]!, 60));
        await restarted;
        await view.waitFor(
          (ms) => ms.some((m) => m.id === 'verifier-1' && m.heartbeat.startedAt !== firstStart),
          15_000,
        );
      } finally {
        view.stop();
        await client.stop();
        await sup.stopAll();
      }
    },
    within(90_000),
  );
});
