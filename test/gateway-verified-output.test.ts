/**
 * Verified output at the gateway, which checks by default: an honest cluster's completions pass with
 * the verifiers' signatures, streamed or not; every chunk a malicious drafter forges or alters fails
 * the request (502, `E_UNVERIFIED`), is counted in `specmesh_gateway_unverified_tokens_total` under
 * the drafter's id and logged naming it; a gateway told to drop refused tokens answers without them.
 */
import { Batcher, Scheduler, Verifier } from '@specmesh/actors';
import { Gateway } from '@specmesh/gateway';
import { emulatedPair } from '@specmesh/models';
import { createLogger, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTACKS,
  KEPT_WHEN_DROPPED,
  startMaliciousDrafter,
} from '../packages/actors/test/malicious-drafter.js';
import { waitGatewayReady } from './helpers/gateway.js';
import { startRoles } from './helpers/roles.js';
import { within } from './helpers/within.js';

let server: NatsServerHandle;
const stops: Array<() => Promise<void>> = [];
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 41,
  latency: { ttftMs: 2, tpotMs: 1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});
let honest: { client: OpenAI; url: string };
let rejecting: { client: OpenAI; url: string };
let dropping: { client: OpenAI; url: string };
const logLines: string[] = [];

async function startGateway(prefix: string | undefined, mode: 'reject' | 'drop') {
  const common = {
    servers: server.url,
    heartbeatIntervalMs: 50,
    ...(prefix ? { subjects: { prefix } } : {}),
  };
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => logLines.push(line) },
  });
  const gw = await Gateway.start({
    ...common,
    port: 0,
    heartbeatIntervalMs: 0,
    verifiedOutput: mode,
    logger,
  });
  stops.push(() => gw.stop());
  await waitGatewayReady(gw.url);
  return { client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 }), url: gw.url };
}

beforeAll(async () => {
  server = await startNatsServer();
  stops.push(
    await startRoles(
      { servers: server.url, heartbeatIntervalMs: 50 },
      { target, drafter, verifierIds: ['gv0', 'gv1'], drafterId: 'gd0' },
    ),
  );
  // A cluster whose only drafter is malicious (its verifier hosts no sessions of its own).
  const evil = { servers: server.url, heartbeatIntervalMs: 50, subjects: { prefix: 'evil' } };
  const sched = await Scheduler.start({ ...evil, placement: 'edge' });
  const batcher = await Batcher.start({ ...evil, pool: 'p' });
  const v = await Verifier.start({ ...evil, id: 'ev0', pool: 'p', model: target, hostSessions: 0 });
  const d = await startMaliciousDrafter(evil, target);
  stops.push(async () => {
    await d.stop();
    await v.stop();
    await batcher.stop();
    await sched.stop();
  });
  honest = await startGateway(undefined, 'reject');
  rejecting = await startGateway('evil', 'reject');
  dropping = await startGateway('evil', 'drop');
  // Let the evil scheduler hear its roles (startRoles waits for the honest one's).
  await sched.membership.waitFor(
    (ms) => ['ev0', 'evil', batcher.actor.id].every((id) => ms.some((m) => m.id === id)),
    within(5000),
  );
});

afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await server.stop();
});

const unverifiedCount = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('specmesh_gateway_unverified_tokens_total{drafter="evil"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

describe('verified output at the gateway', () => {
  it('an honest cluster passes in every mode, streamed and not, with a stop string', async () => {
    for (const mode of ['nonsi', 'si', 'dsi', 'auto']) {
      const r = await honest.client.completions.create({
        model: 'specmesh',
        prompt: `Verified at the gateway in ${mode}`,
        max_tokens: 24,
        temperature: 0,
        // @ts-expect-error specmesh extension
        specmesh: { mode },
      });
      expect(r.choices[0]!.text.length).toBeGreaterThan(0);
      const stopAt = r.choices[0]!.text.slice(6, 8);
      const stopped = await honest.client.completions.create({
        model: 'specmesh',
        prompt: `Verified at the gateway in ${mode}`,
        max_tokens: 24,
        temperature: 0,
        stop: [stopAt],
        // @ts-expect-error specmesh extension
        specmesh: { mode },
      });
      expect(stopped.choices[0]!.finish_reason).toBe('stop');
      expect(stopped.choices[0]!.text).toBe(r.choices[0]!.text.slice(0, r.choices[0]!.text.indexOf(stopAt)));
    }
    const stream = await honest.client.chat.completions.create({
      model: 'specmesh',
      messages: [{ role: 'user', content: 'Stream verified tokens' }],
      max_tokens: 24,
      stream: true,
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(await (await fetch(`${honest.url}/metrics`)).text()).not.toMatch(
      /specmesh_gateway_unverified_tokens_total\{/,
    );
  });

  it('every forged or altered chunk fails its request with E_UNVERIFIED, counted and logged with the drafter', async () => {
    let counted = await unverifiedCount(rejecting.url);
    for (const how of ATTACKS) {
      const err = await rejecting.client.completions
        .create({ model: 'specmesh', prompt: `${how} please`, max_tokens: 8 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, how).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status, how).toBe(502);
      expect((err as InstanceType<typeof OpenAI.APIError>).code, how).toBe('E_UNVERIFIED');
      const now = await unverifiedCount(rejecting.url);
      expect(now, how).toBeGreaterThan(counted);
      counted = now;
    }
    // The gateway's logger writes each line at once (a destination of our own).
    const lines = logLines.filter((l) => l.includes('no target verified'));
    expect(lines.length).toBeGreaterThanOrEqual(ATTACKS.length);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ drafter: 'evil' });
  });

  it('a gateway that drops refused tokens answers without them', async () => {
    for (const how of ATTACKS) {
      const r = await dropping.client.completions.create({
        model: 'specmesh',
        prompt: `${how} please`,
        max_tokens: 8,
      });
      if ((KEPT_WHEN_DROPPED[how] ?? 0) === 0) expect(r.choices[0]!.text, how).toBe('');
      expect(r.usage?.completion_tokens, how).toBe(KEPT_WHEN_DROPPED[how] ?? 0);
    }
    expect(await unverifiedCount(dropping.url)).toBeGreaterThan(0);
  });
});
