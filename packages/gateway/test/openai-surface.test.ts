import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../src/gateway.js';
import { resolveGatewayOptions } from '../src/gateway-options.js';
import { COMPLETION, type FakeCluster, startFakeCluster } from './fake-cluster.js';

let server: NatsServerHandle;
let gateway: Gateway;
let cluster: FakeCluster;
let client: OpenAI;

beforeAll(async () => {
  server = await startNatsServer();
  gateway = await Gateway.start({
    servers: server.url,
    port: 0,
    heartbeatIntervalMs: 0,
    servedModelNames: ['specmesh', 'specmesh-fast'],
    maxChoices: 4,
  });
  cluster = await startFakeCluster(server.url, { chunkDelayMs: 5 });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await cluster.stop();
  await gateway.stop();
  await server.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

/** The `data:` objects of an SSE body, with their event names. */
function events(text: string): Array<{ event: string | undefined; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: {'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      return { event, data };
    });
}

/** The last submit the cluster got whose prompt contains `marker`. */
function submitFor(marker: string) {
  const s = cluster.submits.filter((x) => typeof x.prompt === 'string' && x.prompt.includes(marker));
  return s[s.length - 1];
}

describe('errors in OpenAI shape on every route', () => {
  it('answers an unknown path with 404 and a wrong method with 405 and Allow', async () => {
    const missing = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'not_found',
    });
    const wrong = await fetch(`${gateway.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(((await wrong.json()) as ErrorBody).error.code).toBe('method_not_allowed');
    const models = await fetch(`${gateway.url}/v1/models/specmesh`, { method: 'DELETE' });
    expect(models.status).toBe(405);
    expect(models.headers.get('allow')).toContain('GET');
  });

  it('names the field a validation error is about', async () => {
    const r = await post('/v1/chat/completions', {
      model: 'specmesh',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 7,
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorBody;
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'temperature' });
    const missing = await post('/v1/completions', { prompt: 'p' });
    expect(((await missing.json()) as ErrorBody).error.param).toBe('model');
    const part = await post('/v1/chat/completions', {
      model: 'specmesh',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'robot', content: 'y' },
      ],
    });
    expect(((await part.json()) as ErrorBody).error.param).toBe('messages[1].role');
    const n = await post('/v1/completions', { model: 'specmesh', prompt: 'p', n: 5 });
    expect(n.status).toBe(400);
    expect(((await n.json()) as ErrorBody).error).toMatchObject({ param: 'n', message: /at most 4/ });
  });

  it('refuses a model it does not serve with 404 model_not_found, on every generation route', async () => {
    for (const [path, body] of [
      ['/v1/completions', { model: 'gpt-4o', prompt: 'p' }],
      ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }],
      ['/v1/responses', { model: 'gpt-4o', input: 'x' }],
    ] as const) {
      const r = await post(path, body);
      expect(r.status).toBe(404);
      expect(((await r.json()) as ErrorBody).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      });
    }
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});

describe('models', () => {
  it('lists every served name and retrieves each; an unknown id is model_not_found', async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['specmesh', 'specmesh-fast']);
    const m = await client.models.retrieve('specmesh-fast');
    expect(m).toMatchObject({ id: 'specmesh-fast', object: 'model', owned_by: 'specmesh' });
    const err = await client.models.retrieve('gpt-4o').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('serves a request naming any of the served models, and names that one back', async () => {
    const r = await client.completions.create({ model: 'specmesh-fast', prompt: 'p', max_tokens: 2 });
    expect(r.model).toBe('specmesh-fast');
  });
});

describe('chat content parts', () => {
  it('joins text parts in order', async () => {
    const r = await client.chat.completions.create({
      model: 'specmesh',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'parts-one' },
            { type: 'text', text: 'parts-two' },
          ],
        },
      ],
      max_tokens: 3,
    });
    expect(r.choices[0]!.message.content).toBe('abc');
    expect(submitFor('parts-one')!.prompt).toBe('user: parts-one\nparts-two\nassistant:');
  });

  it('refuses other part types with a 400 naming the part', async () => {
    const r = await post('/v1/chat/completions', {
      model: 'specmesh',
      messages: [
        { role: 'system', content: 'x' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] },
      ],
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorBody;
    expect(body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[1].content[0].type',
      message: /image_url.*not supported/,
    });
  });
});

describe('n choices', () => {
  it('runs n sessions and answers n indexed choices, the prompt counted once', async () => {
    const before = cluster.submits.length;
    const r = await client.completions.create({
      model: 'specmesh',
      prompt: 'n-choices',
      max_tokens: 4,
      n: 3,
      seed: 7,
    });
    expect(r.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'abcd'],
      [1, 'abcd'],
      [2, 'abcd'],
    ]);
    expect(r.usage).toEqual({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 });
    const sent = cluster.submits.slice(before);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((s) => s.requestId)).size).toBe(3);
    // An explicit seed stays reproducible, and the choices differ.
    expect(sent.map((s) => s.sampling.seed).sort()).toEqual([7, 8, 9]);
  });

  it('streams the choices interleaved, each with its index, role and finish', async () => {
    const stream = await client.chat.completions.create({
      model: 'specmesh',
      messages: [{ role: 'user', content: 'n-stream' }],
      max_tokens: 10,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ['', ''];
    const roles: string[] = [];
    const finishes: Array<string | null> = [null, null];
    const order: number[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        order.push(c.index);
        if (c.delta.role) roles.push(`${c.index}:${c.delta.role}`);
        text[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finishes[c.index] = c.finish_reason;
      }
    }
    expect(text).toEqual([COMPLETION, COMPLETION]);
    expect(roles.sort()).toEqual(['0:assistant', '1:assistant']);
    expect(finishes).toEqual(['stop', 'stop']);
    // Both choices' chunks arrive while the other still runs.
    expect(order.indexOf(1)).toBeLessThan(order.lastIndexOf(0));
    const prompt = 'user: n-stream\nassistant:'.length;
    expect(usage).toEqual({ prompt_tokens: prompt, completion_tokens: 20, total_tokens: prompt + 20 });
  });
});

describe('n choices, one refused', () => {
  it('fails the request with the refusal and cancels the admitted choices', async () => {
    const nats = await startNatsServer();
    const one = await startFakeCluster(nats.url, { admit: 1, chunkDelayMs: 200 });
    const gw = await Gateway.start({ servers: nats.url, port: 0, heartbeatIntervalMs: 0 });
    try {
      const r = await fetch(`${gw.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'specmesh', prompt: 'p', max_tokens: 10, n: 2 }),
      });
      expect(r.status).toBe(429);
      expect(one.submits).toHaveLength(2);
      const until = Date.now() + 3000 * machineLoadFactor();
      while (one.cancels.length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
      expect(one.cancels).toHaveLength(1);
    } finally {
      await gw.stop();
      await one.stop();
      await nats.stop();
    }
  });
});

describe("llama-server's speculative fields", () => {
  it('maps n_max onto the draft window, n_min as its floor, n_max 0 to plain decoding', async () => {
    const send = async (marker: string, extra: Record<string, unknown>) => {
      const r = await post('/v1/completions', { model: 'specmesh', prompt: marker, max_tokens: 2, ...extra });
      return { status: r.status, body: (await r.json()) as ErrorBody };
    };
    expect((await send('spec-a', { speculative: { n_max: 9, n_min: 2 } })).status).toBe(200);
    expect(submitFor('spec-a')!.window.k).toBe(9);
    expect((await send('spec-b', { 'speculative.n_max': 3 })).status).toBe(200);
    expect(submitFor('spec-b')!.window.k).toBe(3);
    expect((await send('spec-c', { speculative: { n_min: 7 } })).status).toBe(200);
    expect(submitFor('spec-c')!.window.k).toBe(7);
    expect((await send('spec-d', { speculative: { n_max: 0 } })).status).toBe(200);
    expect(submitFor('spec-d')!.mode).toBe('nonsi');
    expect((await send('spec-e', { speculative: { n_max: 4 }, specmesh: { k: 6 } })).status).toBe(200);
    expect(submitFor('spec-e')!.window.k).toBe(6);
    const bad = await send('spec-f', { speculative: { n_max: 2, n_min: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('speculative.n_min');
  });
});

describe('Responses API', () => {
  it('answers text input with a response object and usage', async () => {
    const r = await client.responses.create({
      model: 'specmesh',
      instructions: 'Be brief.',
      input: 'responses-plain',
      max_output_tokens: 4,
      temperature: 0,
    });
    expect(r.object).toBe('response');
    expect(r.status).toBe('incomplete');
    expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(r.output_text).toBe('abcd');
    const prompt = 'system: Be brief.\nuser: responses-plain\nassistant:';
    expect(r.usage).toMatchObject({
      input_tokens: prompt.length,
      output_tokens: 4,
      total_tokens: prompt.length + 4,
    });
    expect(r.max_output_tokens).toBe(4);
    expect(submitFor('responses-plain')).toMatchObject({ prompt, maxTokens: 4 });
  });

  it('takes input messages with string content and input_text parts; refuses other items', async () => {
    const r = await client.responses.create({
      model: 'specmesh',
      input: [
        { role: 'developer', content: 'dev' },
        { role: 'user', content: [{ type: 'input_text', text: 'responses-parts' }] },
      ],
    });
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe(COMPLETION);
    expect(submitFor('responses-parts')!.prompt).toBe('developer: dev\nuser: responses-parts\nassistant:');
    const image = await post('/v1/responses', {
      model: 'specmesh',
      input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x/y.png' }] }],
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as ErrorBody).error.param).toBe('input[0].content[0].type');
    const chained = await post('/v1/responses', {
      model: 'specmesh',
      input: 'x',
      previous_response_id: 'resp_1',
    });
    expect(chained.status).toBe(400);
    expect(((await chained.json()) as ErrorBody).error.param).toBe('previous_response_id');
    const call = await post('/v1/responses', {
      model: 'specmesh',
      input: [{ type: 'function_call_output', call_id: 'c', output: '1' }],
    });
    expect(call.status).toBe(400);
    expect(((await call.json()) as ErrorBody).error.param).toBe('input[0].type');
  });

  it("streams the API's events in order, numbered, ending with the whole response", async () => {
    const res = await post('/v1/responses', { model: 'specmesh', input: 'responses-stream', stream: true });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const evs = events(await res.text());
    const types = evs.map((e) => e.event);
    expect(evs.every((e) => e.event === e.data['type'])).toBe(true);
    expect(evs.map((e) => e.data['sequence_number'])).toEqual(evs.map((_, i) => i));
    const deltas = types.filter((t) => t === 'response.output_text.delta').length;
    expect(deltas).toBeGreaterThan(1);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array.from({ length: deltas }, () => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const text = evs
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => e.data['delta'])
      .join('');
    expect(text).toBe(COMPLETION);
    const completed = evs.at(-1)!.data['response'] as { status: string; usage: Record<string, number> };
    expect(completed.status).toBe('completed');
    expect(completed.usage).toMatchObject({
      output_tokens: 10,
      total_tokens: completed.usage['input_tokens']! + 10,
    });
  });

  it('streams through the official client', async () => {
    const stream = await client.responses.create({ model: 'specmesh', input: 'responses-sdk', stream: true });
    let text = '';
    let done: string | undefined;
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') done = e.response.output_text;
    }
    expect(text).toBe(COMPLETION);
    expect(done ?? text).toBe(COMPLETION);
  });
});

describe('client disconnects', () => {
  it('are counted as 499, never as a server error', async () => {
    // A cluster of its own, so the slow stand-in is the only one to take the request.
    const nats = await startNatsServer();
    const slow = await startFakeCluster(nats.url, { chunkDelayMs: 200 });
    const gw = await Gateway.start({ servers: nats.url, port: 0, heartbeatIntervalMs: 0 });
    try {
      const ac = new AbortController();
      const res = await fetch(`${gw.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'specmesh', prompt: 'leave', max_tokens: 10, stream: true }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      const until = Date.now() + 3000 * machineLoadFactor();
      let metrics = '';
      while (Date.now() < until) {
        metrics = await (await fetch(`${gw.url}/metrics`)).text();
        if (metrics.includes('status="499"')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(metrics).toMatch(/specmesh_gateway_requests_total\{endpoint="completions",status="499"\} 1/);
      expect(metrics).not.toMatch(/specmesh_gateway_requests_total\{[^}]*status="5\d\d"/);
    } finally {
      // The client's socket lingers at the server for seconds after the abort: closing waits for it.
      gw.app.server.closeAllConnections();
      await gw.stop();
      await slow.stop();
      await nats.stop();
    }
  });
});

describe('served model names option', () => {
  it('defaults to modelName, keeps the order given, refuses empty, padded and repeated names', () => {
    expect(resolveGatewayOptions({ servers: 'nats://x:1' }).servedModelNames).toEqual(['specmesh']);
    expect(resolveGatewayOptions({ servers: 'nats://x:1', modelName: 'x' }).servedModelNames).toEqual(['x']);
    expect(resolveGatewayOptions({ servers: 'nats://x:1', servedModelNames: ['b', 'a'] })).toMatchObject({
      servedModelNames: ['b', 'a'],
      modelName: 'b',
    });
    expect(() => resolveGatewayOptions({ servers: 'nats://x:1', servedModelNames: [] })).toThrow(
      /servedModelNames/,
    );
    expect(() => resolveGatewayOptions({ servers: 'nats://x:1', servedModelNames: [' a'] })).toThrow(
      /servedModelNames/,
    );
    expect(() => resolveGatewayOptions({ servers: 'nats://x:1', servedModelNames: ['a', 'a'] })).toThrow(
      /given twice/,
    );
    expect(() => resolveGatewayOptions({ servers: 'nats://x:1', maxChoices: 0 })).toThrow(/maxChoices/);
  });
});
