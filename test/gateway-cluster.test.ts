/**
 * The OpenAI-compatible gateway in front of a real cluster (scheduler, batcher, verifiers, drafter as
 * actors over a real nats-server, emulated models): the official `openai` client gets the target
 * model's own greedy text in every mode, streamed or not, and admission control surfaces as HTTP 429.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RequestTimeline } from '@specmesh/gateway';
import { emulatedPair } from '@specmesh/models';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { type GatewayCluster, startGatewayCluster } from './helpers/gateway-cluster.js';
import { greedyReference } from './helpers/reference.js';

let client: OpenAI;
let gatewayUrl = '';
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 21,
  latency: { ttftMs: 3, tpotMs: 2 },
  drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
});

/** The target's greedy continuation of `prompt`, as text. */
const targetText = (prompt: string, maxTokens: number): string =>
  target.detokenize(greedyReference(target, prompt, maxTokens));

let cluster: GatewayCluster;

beforeAll(async () => {
  cluster = await startGatewayCluster({
    target,
    drafter,
    verifierIds: ['gv0', 'gv1', 'gv2'],
    drafterId: 'gd0',
    scheduler: { maxQueue: 1 },
    drafterSessions: 2,
  });
  gatewayUrl = cluster.url;
  client = cluster.client;
});

afterAll(() => cluster.stop());

describe('gateway + real cluster', () => {
  it('returns the target model greedy text in every mode, streamed and not', async () => {
    const prompt = 'Tell me about clusters';
    const expected = targetText(prompt, 20);
    for (const mode of ['nonsi', 'si', 'dsi']) {
      const r = await client.completions.create({
        model: 'specmesh',
        prompt,
        max_tokens: 20,
        temperature: 0,
        // @ts-expect-error specmesh's extension field
        specmesh: { mode, k: 4 },
      });
      expect(r.choices[0]!.text).toBe(expected);
      expect(r.usage?.completion_tokens).toBe(20);
      expect(r.usage?.prompt_tokens).toBe(1 + target.tokenize(prompt).length);
    }
    const stream = await client.completions.create({
      model: 'specmesh',
      prompt,
      max_tokens: 20,
      temperature: 0,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(expected);
  });

  it('streams one token per event, with a speculation timeline and matching acceptance metrics', async () => {
    const counter = async (name: string) => {
      const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n'))
        if (line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
      return sum;
    };
    const before = {
      accepted: await counter('specmesh_speculation_accepted_tokens_total'),
      drafted: await counter('specmesh_speculation_drafted_tokens_total'),
    };
    const prompt = 'Cadence please';
    // specmesh's extension field is not in the client's types.
    const params = {
      model: 'specmesh',
      prompt,
      max_tokens: 24,
      temperature: 0,
      stream: true,
      specmesh: { mode: 'si', k: 4, per_token_chunks: true, include_sources: true },
    };
    const stream = await client.completions.create(params as OpenAI.CompletionCreateParamsStreaming);
    let id = '';
    let text = '';
    const sources: number[] = [];
    for await (const chunk of stream) {
      id = chunk.id;
      const c = chunk.choices[0] as { text: string; specmesh?: { sources: number[] } } | undefined;
      if (c?.specmesh) {
        expect(c.specmesh.sources).toHaveLength(1); // one token per event
        sources.push(...c.specmesh.sources);
      }
      text += c?.text ?? '';
    }
    expect(text).toBe(targetText(prompt, 24));
    expect(sources).toHaveLength(24);
    const t = (await (await fetch(`${gatewayUrl}/specmesh/requests/${id}`)).json()) as RequestTimeline;
    const verified = t.trace!.spans.filter((s) => s.kind === 'verify' && s.accepted !== undefined);
    expect(new Set(verified.map((s) => s.verifierId)).size).toBeGreaterThan(0);
    for (const s of verified) expect(['gv0', 'gv1', 'gv2']).toContain(s.verifierId);
    const accepted = verified.reduce((a, s) => a + s.accepted!, 0);
    const drafted = verified.reduce((a, s) => a + s.n, 0);
    // Every kept draft is committed, except what the last round drafted past max_tokens.
    const kept = sources.reduce((a, b) => a + b, 0);
    expect(accepted).toBeGreaterThanOrEqual(kept);
    expect(accepted).toBeLessThanOrEqual(kept + 4);
    const after = {
      accepted: await counter('specmesh_speculation_accepted_tokens_total'),
      drafted: await counter('specmesh_speculation_drafted_tokens_total'),
    };
    expect(after.accepted - before.accepted).toBe(accepted);
    expect(after.drafted - before.drafted).toBe(drafted);
    // `specmesh trace` prints the same timeline from the gateway.
    // Not spawnSync: the gateway answering the CLI lives in this very process.
    const cli = await promisify(execFile)(process.execPath, [CLI, 'trace', id, '--gateway', gatewayUrl]);
    expect(cli.stdout).toContain(`request ${id}  mode si  k 4  drafter gd0`);
    expect(cli.stdout).toContain(`acceptance ${accepted}/${drafted}`);
    expect(cli.stdout.match(/ verify +\d+ drafts at \d+ on gv\d: /g)?.length).toBe(verified.length);
  });

  it('refuses what admission cannot hold with 429 and completes every admitted request', async () => {
    // Two drafter slots and a queue of one: of eight concurrent requests some must be refused.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.completions
          .create({ model: 'specmesh', prompt: `load ${i}`, max_tokens: 30, temperature: 0 })
          .then(
            (r) => ({ ok: true as const, text: r.choices[0]!.text, i }),
            (e: unknown) => ({ ok: false as const, status: (e as { status?: number }).status, i }),
          ),
      ),
    );
    const refused = results.filter((r) => !r.ok);
    const done = results.filter((r) => r.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => !r.ok && r.status === 429)).toBe(true);
    expect(done.length).toBeGreaterThanOrEqual(2);
    for (const r of done) if (r.ok) expect(r.text).toBe(targetText(`load ${r.i}`, 30));
  });
});
