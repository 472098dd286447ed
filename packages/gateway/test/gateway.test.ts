import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../src/gateway.js';
import { COMPLETION, type FakeCluster, startFakeCluster } from './fake-cluster.js';

let server: NatsServerHandle;
let gateway: Gateway;
let cluster: FakeCluster | undefined;
let client: OpenAI;

beforeAll(async () => {
  server = await startNatsServer();
  gateway = await Gateway.start({
    servers: server.url,
    port: 0,
    heartbeatIntervalMs: 0,
    modelName: 'specmesh-test',
    // A missing cluster is answered 503 after this much retrying (10 s in a deployment).
    submitRetryWindowMs: 300,
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});
afterAll(async () => {
  await gateway.stop();
  await server.stop();
});

async function waitReady() {
  const until = Date.now() + 5000 * machineLoadFactor();
  while (Date.now() < until) {
    const r = await fetch(`${gateway.url}/ready`);
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('gateway never ready');
}

describe('OpenAI-compatible gateway (official openai client)', () => {
  it('completes text, with exact usage, and passes the request parameters on', async () => {
    cluster = await startFakeCluster(server.url);
    const r = await client.completions.create({
      model: 'specmesh-test',
      prompt: 'Once upon',
      max_tokens: 7,
      temperature: 0,
      seed: 42,
      stop: ['\n\n'],
      // @ts-expect-error specmesh's extension field
      specmesh: { mode: 'dsi', k: 4 },
    });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]!.text).toBe(COMPLETION.slice(0, 7));
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage).toEqual({ prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 });
    const sent = cluster.submits[0]!;
    expect(sent).toMatchObject({ prompt: 'Once upon', maxTokens: 7, mode: 'dsi', stop: ['\n\n'] });
    expect(sent.sampling).toMatchObject({ temperature: 0, seed: 42 });
    expect(sent.window.k).toBe(4);
  });

  it("takes the caller's W3C trace into the cluster, or starts one, and names it in the response", async () => {
    cluster = await startFakeCluster(server.url);
    await waitReady();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'specmesh-test', prompt: 'Once upon', max_tokens: 3 }),
      });
    const given = await post({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(given.status).toBe(200);
    expect(given.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const fresh = await post({});
    const freshId = /^00-([0-9a-f]{32})-/.exec(fresh.headers.get('traceparent') ?? '')?.[1];
    expect(freshId).toBeDefined();
    expect(freshId).not.toBe(traceId);
    expect(cluster.traces).toEqual([traceId, freshId]);
  });

  it('streams text whose concatenation equals the non-streamed text, with a usage chunk', async () => {
    cluster = await startFakeCluster(server.url);
    const full = await client.completions.create({ model: 'specmesh-test', prompt: 'p', max_tokens: 10 });
    const stream = await client.completions.create({
      model: 'specmesh-test',
      prompt: 'p',
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.text;
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    expect(text).toBe(full.choices[0]!.text);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 1, completion_tokens: 10, total_tokens: 11 });
  });

  it('serves chat completions, streamed and not, identically', async () => {
    cluster = await startFakeCluster(server.url);
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi' },
    ];
    const full = await client.chat.completions.create({ model: 'specmesh-test', messages, max_tokens: 5 });
    expect(full.choices[0]!.message).toEqual(
      expect.objectContaining({ role: 'assistant', content: 'abcde' }),
    );
    expect(cluster.submits[0]!.prompt).toBe('system: Be brief.\nuser: Hi\nassistant:');
    const stream = await client.chat.completions.create({
      model: 'specmesh-test',
      messages,
      max_tokens: 5,
      stream: true,
    });
    let text = '';
    let role: string | undefined;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta;
      if (d?.role) role = d.role;
      text += d?.content ?? '';
    }
    expect(role).toBe('assistant');
    expect(text).toBe(full.choices[0]!.message.content);
  });

  it('marks per token whether it came from an accepted draft, when asked', async () => {
    cluster = await startFakeCluster(server.url);
    const res = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'specmesh-test',
        prompt: 'x',
        max_tokens: 4,
        specmesh: { include_sources: true },
      }),
    });
    const body = (await res.json()) as { choices: Array<{ specmesh: { sources: number[] } }> };
    expect(body.choices[0]!.specmesh.sources).toEqual([0, 1, 0, 1]);
  });

  it("streams one token per SSE event when asked, with each token's source", async () => {
    cluster = await startFakeCluster(server.url);
    const events = async (specmesh: Record<string, unknown>) => {
      // specmesh's extension field is not in the client's types.
      const params = { model: 'specmesh-test', prompt: 'p', max_tokens: 10, stream: true, specmesh };
      const stream = await client.completions.create(params as OpenAI.CompletionCreateParamsStreaming);
      const out: Array<{ text: string; sources?: number[] }> = [];
      for await (const chunk of stream) {
        const c = chunk.choices[0] as { text: string; specmesh?: { sources: number[] } } | undefined;
        if (c && c.text.length > 0)
          out.push({ text: c.text, ...(c.specmesh ? { sources: c.specmesh.sources } : {}) });
      }
      return out;
    };
    // Default cadence: one event per committed chunk of three tokens.
    expect((await events({})).map((e) => e.text)).toEqual(['abc', 'def', 'ghi', 'j']);
    const perToken = await events({ per_token_chunks: true, include_sources: true });
    expect(perToken.map((e) => e.text)).toEqual(COMPLETION.split(''));
    expect(perToken.map((e) => e.sources)).toEqual(COMPLETION.split('').map((_, i) => [i % 2]));
  });

  it('uses the gateway-wide per-token cadence unless a request opts out', async () => {
    cluster = await startFakeCluster(server.url);
    const gw = await Gateway.start({
      servers: server.url,
      port: 0,
      heartbeatIntervalMs: 0,
      perTokenChunks: true,
      modelName: 'specmesh-test',
    });
    try {
      const sse = async (extra: Record<string, unknown>) => {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'specmesh-test',
            messages: [{ role: 'user', content: 'hi' }],
            max_tokens: 7,
            stream: true,
            ...extra,
          }),
        });
        const contents: string[] = [];
        for (const line of (await res.text()).split('\n')) {
          if (!line.startsWith('data: {')) continue;
          const d = JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> };
          const content = d.choices[0]?.delta.content;
          if (content) contents.push(content);
        }
        return contents;
      };
      expect(await sse({})).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
      expect(await sse({ specmesh: { per_token_chunks: false } })).toEqual(['abc', 'def', 'g']);
    } finally {
      await gw.stop();
    }
  });

  it('answers a bad request with 400 in OpenAI error shape', async () => {
    const err = await client.completions
      .create({ model: 'specmesh-test', prompt: 'p', max_tokens: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'specmesh-test', messages: [] }),
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/messages/);
  });

  it('maps an overloaded cluster to 429 and a missing one to 503', async () => {
    cluster = await startFakeCluster(server.url, { refuse: 'overloaded' });
    const busy = await client.completions
      .create({ model: 'specmesh-test', prompt: 'p' })
      .catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(OpenAI.RateLimitError);
    await cluster.stop();
    cluster = undefined;
    const none = await client.completions
      .create({ model: 'specmesh-test', prompt: 'p' })
      .catch((e: unknown) => e);
    expect((none as { status: number }).status).toBe(503);
    expect((none as { error: { code: string } }).error.code).toBe('E_NO_RESPONDERS');
  });

  it('cancels the request in the cluster when the client disconnects mid-stream', async () => {
    cluster = await startFakeCluster(server.url, { chunkDelayMs: 200 });
    const ac = new AbortController();
    const stream = await client.completions.create(
      { model: 'specmesh-test', prompt: 'p', max_tokens: 10, stream: true },
      { signal: ac.signal },
    );
    const reading = (async () => {
      for await (const _ of stream) ac.abort();
    })().catch(() => undefined);
    await reading;
    const until = Date.now() + 3000 * machineLoadFactor();
    while (cluster.cancels.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(cluster.cancels).toHaveLength(1);
    expect(cluster.cancels[0]).toMatch(/^cmpl-.*-s$/);
  });

  it('reports models, liveness, readiness and Prometheus metrics', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['specmesh-test']);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    cluster = await startFakeCluster(server.url);
    await waitReady();
    await client.completions.create({ model: 'specmesh-test', prompt: 'p', max_tokens: 3 });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/specmesh_gateway_requests_total\{endpoint="completions",status="200"\} \d+/);
    expect(metrics).toMatch(/specmesh_gateway_ttft_seconds_count\{endpoint="completions"\} \d+/);
    expect(metrics).toContain('specmesh_messages_sent_total');
    await cluster.stop();
    cluster = undefined;
    const until = Date.now() + 3000 * machineLoadFactor();
    let status = 200;
    while (status === 200 && Date.now() < until) {
      status = (await fetch(`${gateway.url}/ready`)).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(503);
  });
});
