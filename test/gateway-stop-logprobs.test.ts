/**
 * Stop strings and log-probabilities through the OpenAI-compatible gateway in front of a real cluster
 * (scheduler, batcher, verifiers, drafter as actors over a real nats-server, emulated models): the
 * official `openai` client gets the target's greedy text cut before the stop string (across token
 * boundaries, in every mode, streamed or not, never a character past it) with `finish_reason: "stop"`,
 * and the target's own log-probabilities in the chat and the completions shapes.
 */
import { emulatedPair } from '@specmesh/models';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { type GatewayCluster, startGatewayCluster } from './helpers/gateway-cluster.js';

let client: OpenAI;
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 31,
  latency: { ttftMs: 2, tpotMs: 1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});

/** The target's greedy output after `prompt` as the gateway's plain prompt makes it: tokens and pieces. */
function reference(prompt: string, n: number) {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  const tokens: number[] = [];
  const dists: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    dists.push(target.distribution(ctx));
    const t = target.targetArgmax(ctx);
    tokens.push(t);
    ctx.push(t);
  }
  return { tokens, dists, pieces: tokens.map((t) => target.detokenize([t])) };
}

/** A stop string crossing the boundary of output tokens `i` and `i + 1`, and the text before it. */
function stopAcross(prompt: string, i: number, n: number) {
  const { pieces } = reference(prompt, n);
  const stop = pieces[i]!.slice(-2) + pieces[i + 1]!.slice(0, 2);
  const full = pieces.join('');
  const cut = full.indexOf(stop);
  let kept = 0;
  for (let at = 0; at < cut; kept++) at += pieces[kept]!.length;
  return { stop, text: full.slice(0, cut), tokens: kept };
}

let cluster: GatewayCluster;

beforeAll(async () => {
  cluster = await startGatewayCluster({ target, drafter, verifierIds: ['sv0', 'sv1'], drafterId: 'sd0' });
  client = cluster.client;
});

afterAll(() => cluster.stop());

describe('stop strings through the gateway', () => {
  it('completions in every mode: text ends before the stop string, finish_reason stop, usage of the kept tokens', async () => {
    const prompt = 'Stop in the middle please';
    const want = stopAcross(prompt, 7, 30);
    for (const mode of ['nonsi', 'si', 'dsi', 'auto']) {
      const r = await client.completions.create({
        model: 'specmesh',
        prompt,
        max_tokens: 30,
        temperature: 0,
        stop: [want.stop, 'never ~ appears'],
        // @ts-expect-error specmesh's extension field
        specmesh: { mode, k: 4 },
      });
      expect(r.choices[0]!.text).toBe(want.text);
      expect(r.choices[0]!.finish_reason).toBe('stop');
      expect(r.usage?.completion_tokens).toBe(want.tokens);
    }
  });

  it('streams never carry text past the stop string, per chunk and per token', async () => {
    const prompt = 'Stream until the stop';
    // A chat request's prompt (emulated models have no template): the plain transcript.
    const want = stopAcross(`user: ${prompt}\nassistant:`, 11, 40);
    for (const perToken of [false, true]) {
      const stream = await client.chat.completions.create({
        model: 'specmesh',
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 40,
        temperature: 0,
        stop: want.stop,
        stream: true,
        specmesh: { mode: 'dsi', k: 3, per_token_chunks: perToken },
      } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        // At every point, what arrived is a prefix of the text before the stop.
        expect(want.text.startsWith(text)).toBe(true);
      }
      expect(text).toBe(want.text);
      expect(finish).toBe('stop');
    }
  });
});

describe('log-probabilities through the gateway', () => {
  it("chat: the target's log-probability of each token and its top alternatives, whole and streamed", async () => {
    const content = 'Tell me the odds';
    const { tokens, dists } = reference(`user: ${content}\nassistant:`, 12);
    const expectEntry = (
      e: { token: string; logprob: number; top_logprobs: Array<{ token: string; logprob: number }> },
      i: number,
    ) => {
      const p = dists[i]!;
      expect(e.logprob).toBe(Math.fround(Math.log(p[tokens[i]!]!)));
      expect(e.token).toBe(target.detokenize([tokens[i]!]));
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
      expect(e.top_logprobs.map((a) => a.token)).toEqual(
        order.slice(0, 3).map((t) => target.detokenize([t])),
      );
      expect(e.top_logprobs.map((a) => a.logprob)).toEqual(
        order.slice(0, 3).map((t) => Math.fround(Math.log(p[t]!))),
      );
    };
    const r = await client.chat.completions.create({
      model: 'specmesh',
      messages: [{ role: 'user', content }],
      max_tokens: 12,
      temperature: 0,
      logprobs: true,
      top_logprobs: 3,
      // @ts-expect-error specmesh's extension field
      specmesh: { mode: 'si', k: 4, include_sources: true },
    });
    const entries = r.choices[0]!.logprobs!.content!;
    expect(entries).toHaveLength(12);
    for (const [i, e] of entries.entries()) expectEntry(e, i);
    expect(entries[0]!.bytes).toEqual(Array.from(new TextEncoder().encode(entries[0]!.token)));
    // Accepted drafts are among them: their figures are the target's too.
    const sources = (r.choices[0] as unknown as { specmesh: { sources: number[] } }).specmesh.sources;
    expect(sources.some((s) => s === 1)).toBe(true);

    const stream = await client.chat.completions.create({
      model: 'specmesh',
      messages: [{ role: 'user', content }],
      max_tokens: 12,
      temperature: 0,
      logprobs: true,
      top_logprobs: 3,
      stream: true,
      specmesh: { mode: 'dsi', k: 3, per_token_chunks: true },
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    const streamed: Array<(typeof entries)[number]> = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    expect(streamed).toHaveLength(12);
    for (const [i, e] of streamed.entries()) expectEntry(e, i);
  });

  it('completions: tokens, token_logprobs, top_logprobs and text_offset; none unless asked', async () => {
    const prompt = 'Completion odds';
    const { tokens, dists, pieces } = reference(prompt, 8);
    const r = await client.completions.create({
      model: 'specmesh',
      prompt,
      max_tokens: 8,
      temperature: 0,
      logprobs: 2,
      // @ts-expect-error specmesh's extension field
      specmesh: { mode: 'nonsi' },
    });
    const lp = r.choices[0]!.logprobs!;
    expect(lp.tokens).toEqual(pieces);
    expect(lp.token_logprobs).toEqual(tokens.map((t, i) => Math.fround(Math.log(dists[i]![t]!))));
    expect(lp.text_offset).toEqual(pieces.map((_, i) => pieces.slice(0, i).join('').length));
    expect(lp.top_logprobs!.every((o) => Object.keys(o).length === 2)).toBe(true);
    const plain = await client.completions.create({
      model: 'specmesh',
      prompt,
      max_tokens: 4,
      temperature: 0,
    });
    expect(plain.choices[0]!.logprobs).toBeNull();
  });
});

describe('log-probabilities in the Responses API', () => {
  it('include message.output_text.logprobs: the output_text part and its deltas carry the target’s figures', async () => {
    const input = 'Responses odds';
    // The Responses input is a user message: the plain transcript of the chat route.
    const { tokens, dists } = reference('user: Responses odds\nassistant:', 6);
    const want = tokens.map((t, i) => Math.fround(Math.log(dists[i]![t]!)));
    const r = await client.responses.create({
      model: 'specmesh',
      input,
      max_output_tokens: 6,
      temperature: 0,
      include: ['message.output_text.logprobs'],
      // @ts-expect-error the API takes top_logprobs; this client version's types lack it
      top_logprobs: 2,
    });
    const part = (
      r.output[0] as { content: Array<{ logprobs: Array<{ logprob: number; top_logprobs: unknown[] }> }> }
    ).content[0]!;
    expect(part.logprobs.map((x) => x.logprob)).toEqual(want);
    expect(part.logprobs.every((x) => x.top_logprobs.length === 2)).toBe(true);
    const stream = await client.responses.create({
      model: 'specmesh',
      input,
      max_output_tokens: 6,
      temperature: 0,
      include: ['message.output_text.logprobs'],
      stream: true,
    });
    const streamed: number[] = [];
    for await (const e of stream)
      if (e.type === 'response.output_text.delta') streamed.push(...e.logprobs.map((x) => x.logprob));
    expect(streamed).toEqual(want);
    const plain = await client.responses.create({ model: 'specmesh', input, max_output_tokens: 3 });
    expect((plain.output[0] as { content: Array<{ logprobs: unknown[] }> }).content[0]!.logprobs).toEqual([]);
  });
});

describe('the same through `specmesh generate`', () => {
  it('--stop ends before the stop string with reason stop; --logprobs reports the target’s figures', async () => {
    const prompt = 'Command line odds';
    const { stop, text, tokens: kept } = stopAcross(prompt, 3, 12);
    const { tokens, dists } = reference(prompt, 12);
    const run = await runCli([
      'generate',
      prompt,
      '--nats',
      cluster.server.url,
      '--mode',
      'si',
      '--max-tokens',
      '12',
      '--stop',
      stop,
      '--logprobs',
      '2',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as {
      text: string;
      tokenIds: number[];
      finishReason: string;
      logprobs: Array<{ token: number; logprob: number; top: Array<{ token: number; logprob: number }> }>;
    };
    expect(r.text).toBe(text);
    expect(r.finishReason).toBe('stop');
    expect(r.tokenIds).toEqual(tokens.slice(0, kept));
    expect(r.logprobs.map((x) => x.logprob)).toEqual(
      r.tokenIds.map((t, i) => Math.fround(Math.log(dists[i]![t]!))),
    );
    // The most likely alternative is the greedy token itself.
    expect(r.logprobs.map((x) => x.top[0]!.token)).toEqual(r.tokenIds);
    expect(r.logprobs.every((x) => x.top.length === 2)).toBe(true);
  });
});
