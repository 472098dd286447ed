/**
 * Every role its own OS process (launched through the CLI under the supervisor, as `specmesh up`
 * does), 20 concurrent requests per mode: greedy output equals the target model's own greedy output,
 * with no token duplicated, skipped or out of order (the collector checks chunk positions).
 */
import { collect, generate } from '@specmesh/actors';
import { EmulatedModel } from '@specmesh/models';
import { Actor, MembershipView, type NatsServerHandle, Supervisor, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { fastEmulatedFlags } from './helpers/emulated-flags.js';
import { quickOrFull } from './helpers/full.js';
import { greedyReference } from './helpers/reference.js';
import { within } from './helpers/within.js';

// The same emulated target the verifier processes build from these flags.
const SEED = 29;
const target = new EmulatedModel({ seed: SEED });
const MODEL_FLAGS = fastEmulatedFlags(SEED);

const reference = (prompt: string, maxTokens: number) => greedyReference(target, prompt, maxTokens);

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

async function withCluster(
  prefix: string,
  drafters: number,
  verifiers: number,
  body: (client: Actor) => Promise<void>,
) {
  const sup = new Supervisor({ stdio: 'ignore', initialDelayMs: 100 });
  const common = ['--nats', server.url, '--prefix', prefix, '--heartbeat-ms', '100', ...MODEL_FLAGS];
  const plan: Array<[string, number]> = [
    ['scheduler', 1],
    ['batcher', 1],
    ['verifier', verifiers],
    ['drafter', drafters],
  ];
  let total = 0;
  for (const [role, n] of plan) {
    for (let i = 0; i < n; i++) {
      sup.start({
        name: `${role}-${i}`,
        args: [CLI, 'node', '--role', role, '--name', `${role}-${i}`, ...common],
      });
      total++;
    }
  }
  const client = await Actor.start({
    role: 'gateway',
    servers: server.url,
    subjects: { prefix },
    heartbeatIntervalMs: 0,
  });
  const view = new MembershipView().start(client, 50);
  try {
    await view.waitFor((ms) => ms.length >= total, within(30_000));
    // Drafters size DSI's tasks from their own view of the pool: give them a few beats.
    await new Promise((r) => setTimeout(r, 400));
    await body(client);
  } finally {
    view.stop();
    await client.stop();
    await sup.stopAll();
  }
}

describe('cluster of processes', () => {
  // Quick form: several drafters sharing several verifiers; the full form adds one drafter over many.
  const shapes: ReadonlyArray<readonly [number, number]> = quickOrFull(
    [[3, 4]],
    [
      [1, 7],
      [3, 4],
    ],
  );
  for (const [drafters, verifiers] of shapes) {
    it(
      `${drafters} drafter + ${verifiers} verifier processes: 20 concurrent requests per mode equal the target's output`,
      async () => {
        await withCluster(`proc${drafters}x${verifiers}`, drafters, verifiers, async (client) => {
          for (const mode of ['nonsi', 'si', 'dsi'] as const) {
            const prompts = Array.from({ length: 20 }, (_, i) => `process test ${i} ${mode}`);
            const outs = await Promise.all(
              prompts.map(async (prompt, i) =>
                collect(
                  await generate(client, {
                    requestId: `${mode}-${drafters}-${i}`,
                    prompt,
                    maxTokens: 16,
                    sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
                    mode,
                    window: { policy: 'static', k: 4 },
                    deadlineAt: Date.now() + 60_000,
                  }),
                ),
              ),
            );
            for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(prompts[i]!, 16));
          }
        });
      },
      within(90_000),
    );
  }
});
