/**
 * Third-party OpenAI clients against the gateway in front of a real cluster (scheduler, batcher,
 * verifiers, drafter as actors over a real nats-server, emulated models), each used the way its
 * documentation shows: the official `openai` package (chat, completions, the Responses API, models),
 * the Vercel AI SDK's default provider call (which speaks the Responses API) and LangChain's
 * `ChatOpenAI` (chat completions). With greedy sampling every client gets the same text for the same
 * user message, streamed or not: the target model's own.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { emulatedPair } from '@specmesh/models';
import { generateText, streamText } from 'ai';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayCluster, startGatewayCluster } from './helpers/gateway-cluster.js';
import { greedyReference } from './helpers/reference.js';

const MODEL = 'specmesh';
const MAX_TOKENS = 12;
const USER = 'Hi there';

let baseURL = '';
let openai: OpenAI;
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 33,
  latency: { ttftMs: 2, tpotMs: 1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});

/** The target's greedy continuation of `prompt`, as text. */
const targetText = (prompt: string, maxTokens: number): string =>
  target.detokenize(greedyReference(target, prompt, maxTokens));

/** Requests the gateway answered with 200 on `endpoint` so far (its /metrics). */
async function served(endpoint: string): Promise<number> {
  const text = await (await fetch(`${baseURL.replace(/\/v1$/, '')}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`specmesh_gateway_requests_total{endpoint="${endpoint}",status="200"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** What every client must get for {@link USER}: the chat route's greedy answer. */
let chatAnswer = '';

let cluster: GatewayCluster;

beforeAll(async () => {
  cluster = await startGatewayCluster({
    target,
    drafter,
    verifierIds: ['cv0', 'cv1'],
    drafterId: 'cd0',
    drafterSessions: 4,
  });
  baseURL = `${cluster.url}/v1`;
  openai = cluster.client;
  const r = await openai.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: USER }],
    max_tokens: MAX_TOKENS,
    temperature: 0,
  });
  chatAnswer = r.choices[0]!.message.content ?? '';
});

afterAll(() => cluster.stop());

describe('the official openai package', () => {
  it('chat: whole, streamed, with content parts and n choices, all the same greedy text', async () => {
    expect(chatAnswer.length).toBeGreaterThan(0);
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: USER }] }],
      max_tokens: MAX_TOKENS,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(chatAnswer);
    expect(usage?.completion_tokens).toBe(MAX_TOKENS);
    const two = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: USER }],
      max_tokens: MAX_TOKENS,
      temperature: 0,
      n: 2,
    });
    expect(two.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, chatAnswer],
      [1, chatAnswer],
    ]);
    expect(two.usage?.completion_tokens).toBe(2 * MAX_TOKENS);
  });

  it("completions: the target's greedy text", async () => {
    const prompt = 'Clients of every kind';
    const r = await openai.completions.create({
      model: MODEL,
      prompt,
      max_tokens: MAX_TOKENS,
      temperature: 0,
    });
    expect(r.choices[0]!.text).toBe(targetText(prompt, MAX_TOKENS));
  });

  it('responses: whole and streamed, the same text as chat, with usage', async () => {
    const r = await openai.responses.create({
      model: MODEL,
      input: USER,
      max_output_tokens: MAX_TOKENS,
      temperature: 0,
    });
    expect(r.output_text).toBe(chatAnswer);
    expect(r.usage).toMatchObject({ output_tokens: MAX_TOKENS });
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + MAX_TOKENS);
    const stream = await openai.responses.create({
      model: MODEL,
      input: [{ role: 'user', content: [{ type: 'input_text', text: USER }] }],
      max_output_tokens: MAX_TOKENS,
      temperature: 0,
      stream: true,
    });
    let text = '';
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      last = e;
    }
    expect(text).toBe(chatAnswer);
    // Cut at max_output_tokens: the API's `incomplete` ending.
    expect(last?.type).toBe('response.incomplete');
  });

  it('models: list and retrieve', async () => {
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
    expect(await openai.models.retrieve(MODEL)).toMatchObject({ id: MODEL, object: 'model' });
  });
});

describe('the Vercel AI SDK (default provider call: the Responses API)', () => {
  const model = () => createOpenAI({ baseURL, apiKey: 'unused' })(MODEL);

  it('generateText', async () => {
    const before = await served('responses');
    const r = await generateText({
      model: model(),
      prompt: USER,
      maxOutputTokens: MAX_TOKENS,
      temperature: 0,
    });
    expect(r.text).toBe(chatAnswer);
    expect(r.usage.outputTokens).toBe(MAX_TOKENS);
    expect(r.finishReason).toBe('length');
    expect(await served('responses')).toBe(before + 1);
  });

  it('streamText', async () => {
    const r = streamText({ model: model(), prompt: USER, maxOutputTokens: MAX_TOKENS, temperature: 0 });
    let text = '';
    for await (const t of r.textStream) text += t;
    expect(text).toBe(chatAnswer);
    expect((await r.usage).outputTokens).toBe(MAX_TOKENS);
  });
});

describe("LangChain's ChatOpenAI", () => {
  const chat = () =>
    new ChatOpenAI({
      model: MODEL,
      apiKey: 'unused',
      configuration: { baseURL },
      temperature: 0,
      maxTokens: MAX_TOKENS,
      maxRetries: 0,
    });

  it('invoke', async () => {
    const r = await chat().invoke(USER);
    expect(r.content).toBe(chatAnswer);
  });

  it('stream', async () => {
    let text = '';
    for await (const chunk of await chat().stream(USER)) text += String(chunk.content);
    expect(text).toBe(chatAnswer);
  });
});
