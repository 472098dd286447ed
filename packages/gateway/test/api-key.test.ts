/**
 * API keys: a gateway given keys serves the official `openai` client that sends one of them, answers
 * 401 `invalid_api_key` (OpenAI's shape) to a wrong or missing key on every data route, and leaves the
 * probes and the dashboard's static files open.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@specmesh/protocol';
import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeySet, readApiKeyFile } from '../src/api-keys.js';
import { Gateway } from '../src/gateway.js';
import { resolveGatewayOptions } from '../src/gateway-options.js';
import { isOpenPath } from '../src/routes/api-key-guard.js';
import { COMPLETION, type FakeCluster, startFakeCluster } from './fake-cluster.js';

const KEY_A = 'sk-specmesh-test-key-aaaaaaaaaaaa';
const KEY_B = 'sk-specmesh-test-key-bbbbbbbbbbbb';

const dir = mkdtempSync(join(tmpdir(), 'specmesh-keys-'));
const keyFile = join(dir, 'keys');
writeFileSync(keyFile, `# gateway keys, one per line\n${KEY_A}\n\n  ${KEY_B}  \n`);

describe('ApiKeySet', () => {
  const keys = new ApiKeySet([KEY_A, KEY_B]);

  it('accepts each listed key as a Bearer token and nothing else', () => {
    expect(keys.acceptsHeader(`Bearer ${KEY_A}`)).toBe(true);
    expect(keys.acceptsHeader(`bearer ${KEY_B}`)).toBe(true);
    expect(keys.acceptsHeader(`Bearer ${KEY_A}x`)).toBe(false);
    expect(keys.acceptsHeader(`Bearer ${KEY_A.slice(0, -1)}`)).toBe(false);
    expect(keys.acceptsHeader(KEY_A)).toBe(false);
    expect(keys.acceptsHeader(`Basic ${KEY_A}`)).toBe(false);
    expect(keys.acceptsHeader('Bearer ')).toBe(false);
    expect(keys.acceptsHeader(undefined)).toBe(false);
  });

  it('refuses an empty set or a short key without printing the key', () => {
    expect(() => new ApiKeySet([])).toThrow(/no API key/);
    try {
      new ApiKeySet(['short-key'], '--api-key-file k');
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe(ErrorCode.Config);
      expect((err as Error).message).toMatch(/^--api-key-file k: key 1 must be at least 16/);
      expect((err as Error).message).not.toContain('short-key');
    }
  });

  it('reads one key per line, skipping comments and blank lines', () => {
    expect(readApiKeyFile(keyFile)).toEqual([KEY_A, KEY_B]);
    expect(() => readApiKeyFile(join(dir, 'missing'))).toThrow(/--api-key-file: cannot read/);
  });

  it('is resolved from the gateway options: file and list together, or none', () => {
    expect(resolveGatewayOptions({ servers: 'nats://x:1' }).apiKeys).toBeUndefined();
    const both = resolveGatewayOptions({
      servers: 'nats://x:1',
      apiKeyFile: keyFile,
      apiKeys: [`${KEY_A}-2`],
    });
    expect(both.apiKeys?.size).toBe(3);
    const emptyFile = join(dir, 'empty');
    writeFileSync(emptyFile, '# nothing yet\n');
    expect(() => resolveGatewayOptions({ servers: 'nats://x:1', apiKeyFile: emptyFile })).toThrow(
      /no API key given/,
    );
  });

  it('leaves only the probes and the dashboard files open', () => {
    for (const open of ['/health', '/ready', '/ready?x=1', '/dashboard', '/dashboard/dashboard.js'])
      expect(isOpenPath(open)).toBe(true);
    for (const closed of ['/v1/models', '/v1/chat/completions', '/specmesh/cluster', '/metrics', '/healthz'])
      expect(isOpenPath(closed)).toBe(false);
  });
});

describe('a gateway with API keys', () => {
  let server: NatsServerHandle;
  let gateway: Gateway;
  let cluster: FakeCluster;
  const client = (apiKey: string) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });

  beforeAll(async () => {
    server = await startNatsServer();
    gateway = await Gateway.start({
      servers: server.url,
      port: 0,
      heartbeatIntervalMs: 0,
      modelName: 'specmesh-test',
      apiKeyFile: keyFile,
    });
    cluster = await startFakeCluster(server.url);
    const until = Date.now() + 5000 * machineLoadFactor();
    while ((await fetch(`${gateway.url}/ready`)).status !== 200) {
      if (Date.now() > until) throw new Error('gateway never ready');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    await cluster.stop();
    await gateway.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the official openai client with either key, streamed or not', async () => {
    const r = await client(KEY_A).completions.create({ model: 'specmesh-test', prompt: 'Hi', max_tokens: 5 });
    expect(r.choices[0]!.text).toBe(COMPLETION.slice(0, 5));
    const stream = await client(KEY_B).chat.completions.create({
      model: 'specmesh-test',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 4,
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(COMPLETION.slice(0, 4));
    expect((await client(KEY_A).models.list()).data[0]!.id).toBe('specmesh-test');
  });

  it('answers a wrong key with 401 invalid_api_key, and runs nothing', async () => {
    const submitted = cluster.submits.length;
    const err = await client('sk-not-one-of-the-keys-000000')
      .completions.create({ model: 'specmesh-test', prompt: 'Hi', max_tokens: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    expect(cluster.submits.length).toBe(submitted);
  });

  it('answers a missing key with 401 on /v1, /specmesh and /metrics; probes and dashboard stay open', async () => {
    for (const path of ['/v1/models', '/specmesh/cluster', '/specmesh/requests', '/metrics']) {
      const r = await fetch(`${gateway.url}${path}`);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await r.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null },
      });
      const ok = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${KEY_B}` } });
      expect(ok.status, path).toBe(200);
    }
    const post = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'specmesh-test', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(post.status).toBe(401);
    for (const path of ['/health', '/ready', '/dashboard'])
      expect((await fetch(`${gateway.url}${path}`)).status, path).toBe(200);
  });
});
