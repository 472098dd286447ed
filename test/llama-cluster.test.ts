/**
 * Real GGUF models through the whole cluster: every role its own process launched through the CLI
 * with `--backend llama`, a synthetic target and drafter whose greedy rules are known. Greedy output of
 * non-SI, SI and DSI equals the target's own (its map, and node-llama-cpp generating alone through
 * our backend); SI's measured acceptance equals the drafter's set agreement within sampling error;
 * a verifier given a broken model file fails with a clear error while the cluster keeps serving.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, generate } from '@specmesh/actors';
import { LlamaModel, writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import type { Mode } from '@specmesh/protocol';
import { Actor, MembershipView, type NatsServerHandle, Supervisor, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { within } from './helpers/within.js';

const AGREEMENT = 0.7;
const K = 4;

let dir: string;
let targetPath: string;
let drafterPath: string;
let next: Uint32Array;
let server: NatsServerHandle;
let target: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-llama-cluster-'));
  targetPath = join(dir, 'target.gguf');
  drafterPath = join(dir, 'drafter.gguf');
  next = (await writeSyntheticTarget({ out: targetPath, layers: 2, dim: 64, vocab: 512, seed: 21 })).next;
  await writeSyntheticDrafter({ from: targetPath, out: drafterPath, agreement: AGREEMENT, seed: 22 });
  target = await LlamaModel.load({ modelPath: targetPath });
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
  await target?.close();
  await rm(dir, { recursive: true, force: true });
});

function promptTokens(prompt: string): number[] {
  return [target.info.bosId, ...target.tokenize(prompt)];
}

/** What the map says follows the prompt. */
function fromMap(prompt: string, n: number): number[] {
  let last = promptTokens(prompt).at(-1)!;
  return Array.from({ length: n }, () => (last = next[last]!));
}

/** Per-token acceptance of SI from where each token came: drafts accepted / (accepted + rejections). */
function siAcceptance(sources: readonly number[], k: number): { accepted: number; rejected: number } {
  let accepted = 0;
  let rejected = 0;
  let run = 0;
  for (const s of sources) {
    if (s === 1) {
      accepted++;
      run++;
      continue;
    }
    // A target token after k accepted drafts is the bonus; otherwise it corrects a rejected draft.
    if (run < k) rejected++;
    run = 0;
  }
  return { accepted, rejected };
}

describe('cluster of processes on llama models', () => {
  it(
    'gives the target greedy output in every mode, and SI acceptance equals the set agreement',
    async () => {
      const prefix = 'llama';
      const sup = new Supervisor({ stdio: 'ignore', initialDelayMs: 100 });
      const connection = [
        '--nats',
        server.url,
        '--prefix',
        prefix,
        '--heartbeat-ms',
        '100',
        '--backend',
        'llama',
      ];
      const flags = [...connection, '--model', targetPath, '--draft-model', drafterPath];
      const plan: Array<[string, number]> = [
        ['scheduler', 1],
        ['batcher', 1],
        ['verifier', 2],
        ['drafter', 1],
      ];
      for (const [role, n] of plan)
        for (let i = 0; i < n; i++)
          sup.start({
            name: `${role}-${i}`,
            args: [CLI, 'node', '--role', role, '--name', `${role}-${i}`, ...flags],
          });
      const client = await Actor.start({
        role: 'gateway',
        servers: server.url,
        subjects: { prefix },
        heartbeatIntervalMs: 0,
      });
      const view = new MembershipView().start(client, 50);
      try {
        // Five processes each loading node-llama-cpp and two models on two cores, beside the rest of
        // the suite: their start-up takes from 10 s alone to past 30 s in a loaded run.
        await view.waitFor((ms) => ms.length >= 5, within(90_000));
        await new Promise((r) => setTimeout(r, 400));

        // A verifier given a broken file: a clear error naming it, exit code 3; the others keep serving.
        const broken = join(dir, 'broken.gguf');
        await writeFile(broken, Buffer.from('GGUF\x03\x00\x00\x00truncated'));
        const bad = spawn(
          process.execPath,
          [CLI, 'node', '--role', 'verifier', ...connection, '--model', broken],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        bad.stderr.on('data', (d) => (stderr += d));
        const exitCode = await new Promise<number | null>((r) => bad.on('close', r));
        expect(exitCode).toBe(3);
        expect(stderr).toContain('E_MODEL_FILE');
        expect(stderr).toContain(broken);

        const prompts = Array.from({ length: 6 }, (_, i) => `llama cluster ${i}`);
        let accepted = 0;
        let rejected = 0;
        for (const mode of ['nonsi', 'si', 'dsi'] as Mode[]) {
          const outs = await Promise.all(
            prompts.map(async (prompt, i) =>
              collect(
                await generate(client, {
                  requestId: `${mode}-${i}`,
                  prompt,
                  maxTokens: 40,
                  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
                  mode,
                  window: { policy: 'static', k: K },
                  deadlineAt: Date.now() + 60_000,
                }),
              ),
            ),
          );
          for (const [i, o] of outs.entries()) {
            expect(o.tokens).toEqual(fromMap(prompts[i]!, 40));
            if (mode === 'si') {
              const a = siAcceptance(o.sources, K);
              accepted += a.accepted;
              rejected += a.rejected;
            }
          }
        }
        // The map is also what the target model itself generates.
        const own = await target.generate('own', Uint32Array.from(promptTokens(prompts[0]!)), 40);
        expect(Array.from(own)).toEqual(fromMap(prompts[0]!, 40));

        // About 240 positions checked by SI; binomial sd ≈ 0.03 around the set agreement.
        const measured = accepted / (accepted + rejected);
        expect(Math.abs(measured - AGREEMENT)).toBeLessThan(0.12);
      } finally {
        view.stop();
        await client.stop();
        await sup.stopAll();
      }
    },
    within(180_000),
  );
});
