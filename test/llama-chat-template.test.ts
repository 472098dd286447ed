/**
 * A chat request on real GGUF models renders through the model's own chat template: a synthetic
 * target and drafter (their `tokenizer.chat_template` a small ChatML-style one) behind a scheduler, a
 * batcher, a verifier, a drafter and the gateway, over a real nats-server. The prompt the session
 * uses is node-llama-cpp's rendering of that template (usage counts exactly its tokens), and the reply
 * is the target's greedy continuation of it, which differs from the plain transcript's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batcher, Drafter, Scheduler, Verifier } from '@specmesh/actors';
import { Gateway } from '@specmesh/gateway';
import { chatHistoryOf, LlamaModel, writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { getLlama, JinjaTemplateChatWrapper } from 'node-llama-cpp';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitGatewayReady } from './helpers/gateway.js';
import { within } from './helpers/within.js';

let dir: string;
let server: NatsServerHandle;
let next: Uint32Array;
let template: string;
let targetPath: string;
const models: LlamaModel[] = [];
const stops: Array<() => Promise<void>> = [];
let client: OpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-chat-template-'));
  targetPath = join(dir, 'target.gguf');
  const drafterPath = join(dir, 'drafter.gguf');
  next = (await writeSyntheticTarget({ out: targetPath, layers: 2, dim: 64, vocab: 512, seed: 41 })).next;
  await writeSyntheticDrafter({ from: targetPath, out: drafterPath, agreement: 0.7, seed: 42 });
  const target = await LlamaModel.load({ modelPath: targetPath, sequences: 2 });
  const drafter = await LlamaModel.load({ modelPath: drafterPath, sequences: 2 });
  models.push(target, drafter);
  server = await startNatsServer();
  const common = { servers: server.url, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start(common);
  const batcher = await Batcher.start({ ...common, pool: 'p' });
  const verifier = await Verifier.start({ ...common, id: 'cv0', pool: 'p', model: target });
  const d = await Drafter.start({ ...common, id: 'cd0', model: drafter });
  const gw = await Gateway.start({ ...common, port: 0, heartbeatIntervalMs: 0 });
  stops.push(
    () => gw.stop(),
    () => d.stop(),
    () => verifier.stop(),
    () => batcher.stop(),
    () => sched.stop(),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  await waitGatewayReady(gw.url);
  await sched.membership.waitFor(
    (ms) => ['cv0', 'cd0', batcher.actor.id].every((id) => ms.some((m) => m.id === id)),
    within(10_000),
  );
});

afterAll(async () => {
  for (const s of stops) await s();
  await server?.stop();
  for (const m of models) await m.close();
  await rm(dir, { recursive: true, force: true });
});

/** node-llama-cpp's own rendering of the file's template, tokenized by the model's tokenizer. */
async function rendered(messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>) {
  const llama = await getLlama({ gpu: false, build: 'never' });
  const native = await llama.loadModel({ modelPath: targetPath, vocabOnly: true });
  try {
    template = native.fileInfo.metadata.tokenizer.chat_template!;
    const wrapper = new JinjaTemplateChatWrapper({ template });
    const { contextText } = wrapper.generateContextState({ chatHistory: chatHistoryOf(messages) });
    return Array.from(contextText.tokenize(native.tokenizer) as unknown as number[]);
  } finally {
    await native.dispose();
  }
}

describe("chat requests on llama models use the model's own chat template", () => {
  it('the prompt is the rendered template and the reply its greedy continuation', async () => {
    const messages = [
      { role: 'system' as const, content: 'answer in words' },
      { role: 'user' as const, content: 'what comes next' },
    ];
    const tokens = await rendered(messages);
    expect(template).toContain('bos_token');
    const r = await client.chat.completions.create({
      model: 'specmesh',
      messages,
      max_tokens: 12,
      temperature: 0,
      // @ts-expect-error specmesh's extension field
      specmesh: { mode: 'si', k: 3 },
    });
    expect(r.usage?.prompt_tokens).toBe(tokens.length);
    // The synthetic target's greedy rule: each token's successor is `next` of the one before.
    let last = tokens.at(-1)!;
    const reply = Array.from({ length: 12 }, () => (last = next[last]!));
    expect(r.choices[0]!.message.content).toBe(models[0]!.detokenize(reply));
    // The plain transcript ends in another token, so its reply would not be this one.
    const transcript = models[0]!.tokenize('system: answer in words\nuser: what comes next\nassistant:');
    expect(next[transcript.at(-1)!]).not.toBe(reply[0]);
  });

  it("log-probabilities are the target's own, in non-SI, SI and DSI", async () => {
    const messages = [{ role: 'user' as const, content: 'odds please' }];
    const tokens = await rendered(messages);
    let last = tokens.at(-1)!;
    const reply = Array.from({ length: 10 }, () => (last = next[last]!));
    // The target evaluated directly on the same prefixes, in a model instance of its own.
    const ref = await LlamaModel.load({ modelPath: targetPath, sequences: 1 });
    models.push(ref);
    const dists = await ref.evaluate(
      'ref',
      Uint32Array.from([...tokens, ...reply.slice(0, -1)]),
      reply.length,
    );
    for (const mode of ['nonsi', 'si', 'dsi']) {
      const r = await client.chat.completions.create({
        model: 'specmesh',
        messages,
        max_tokens: 10,
        temperature: 0,
        logprobs: true,
        top_logprobs: 2,
        // @ts-expect-error specmesh's extension field
        specmesh: { mode, k: 3 },
      });
      const content = r.choices[0]!.logprobs!.content!;
      expect(content).toHaveLength(reply.length);
      content.forEach((e, i) => {
        const p = dists[i]!;
        expect(e.logprob).toBeCloseTo(Math.log(p[reply[i]!]!), 4);
        const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
        expect(e.top_logprobs.map((a) => a.token)).toEqual(order.slice(0, 2).map((t) => ref.detokenize([t])));
      });
    }
  });
});
