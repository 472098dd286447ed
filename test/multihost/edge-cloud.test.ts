/**
 * Three "machines" as network namespaces: `cloud` runs a routed cluster of 3 nats-servers, the
 * scheduler, a batcher and 2 verifiers; `edge1` and `edge2` each run a leaf nats-server joined to the
 * cloud through a delay proxy (5 ms each way, so every edge↔cloud byte pays wide-area latency) and a
 * drafter. Generation from either edge equals the target's own greedy output, and `specmesh status`
 * run on an edge lists every instance of every machine.
 *
 * Needs root and `ip`; skips with the reason otherwise. Everything is torn down in afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatedModel } from '@specmesh/models';
import { findNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { fastEmulatedFlags } from '../helpers/emulated-flags.js';
import { greedyReference } from '../helpers/reference.js';
import { within } from '../helpers/within.js';
import { cloudPorts, writeCloudConfig, writeEdgeConfig } from './nats-topology.js';
import { labUnavailable, NetnsLab } from './netns-lab.js';

const PROXY = fileURLToPath(new URL('./delay-proxy-main.mjs', import.meta.url));
const NODE = process.execPath;
const SEED = 31;
const MODEL = fastEmulatedFlags(SEED);
const ONE_WAY_MS = 5;

const reference = (prompt: string, maxTokens: number) =>
  greedyReference(new EmulatedModel({ seed: SEED }), prompt, maxTokens);

const unavailable = labUnavailable();
if (unavailable) console.warn(`[multihost] skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('multi-host: edge drafters on leaf nodes, cloud targets', () => {
  let lab: NetnsLab | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specmesh-multihost-'));
    lab = await NetnsLab.create(['cloud', 'edge1', 'edge2']);
    const nats = findNatsServer();
    const cloud = lab.address('cloud');
    const servers = [0, 1, 2].map((i) =>
      lab!.spawn('cloud', nats, ['-c', writeCloudConfig(dir, i, 3, cloud)]),
    );
    await Promise.all(servers.map((s) => s.waitFor(/Server is ready/)));
    const cloudUrls = [0, 1, 2].map((i) => `nats://${cloud}:${cloudPorts(i).client}`);

    const edges = ['edge1', 'edge2'].map((edge, i) => {
      // Edge i reaches cloud server i through its own delay proxy.
      const proxy = lab!.spawn(edge, NODE, [
        PROXY,
        '127.0.0.1',
        '17422',
        cloud,
        String(cloudPorts(i).leaf),
        String(ONE_WAY_MS),
      ]);
      const leaf = proxy.waitFor(/ready/).then(() => {
        const s = lab!.spawn(edge, nats, ['-c', writeEdgeConfig(dir, edge, 'nats-leaf://127.0.0.1:17422')]);
        return s.waitFor(/Leafnode connection created/);
      });
      return leaf;
    });
    await Promise.all(edges);

    const common = ['--prefix', 'mh', '--heartbeat-ms', '250', '--log-level', 'warn'];
    const node = (host: string, role: string, name: string, nats: string, extra: string[] = []) =>
      lab!.spawn(host, NODE, [
        CLI,
        'node',
        '--role',
        role,
        '--name',
        name,
        '--nats',
        nats,
        ...common,
        ...extra,
      ]);
    const roles = [
      node('cloud', 'scheduler', 'scheduler-cloud', cloudUrls.join(',')),
      node('cloud', 'batcher', 'batcher-cloud', cloudUrls[1]!),
      node('cloud', 'verifier', 'verifier-1', cloudUrls[0]!, MODEL),
      node('cloud', 'verifier', 'verifier-2', cloudUrls[2]!, MODEL),
      node('edge1', 'drafter', 'drafter-edge1', 'nats://127.0.0.1:4222', MODEL),
      node('edge2', 'drafter', 'drafter-edge2', 'nats://127.0.0.1:4222', MODEL),
    ];
    await Promise.all(roles.map((r) => r.waitFor(/^ready /m, within(30_000))));
  }, within(60_000));

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, within(20_000));

  it(
    'specmesh status on an edge lists every instance of every machine',
    async () => {
      const r = await lab!.run('edge2', NODE, [
        CLI,
        'status',
        '--nats',
        'nats://127.0.0.1:4222',
        '--prefix',
        'mh',
        '--json',
        '--expect',
        '6',
        '--listen-ms',
        '15000',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = JSON.parse(r.stdout) as Array<{ role: string; id: string; version: string }>;
      expect(rows.map((x) => `${x.role}/${x.id}`)).toEqual([
        'batcher/batcher-cloud',
        'drafter/drafter-edge1',
        'drafter/drafter-edge2',
        'scheduler/scheduler-cloud',
        'verifier/verifier-1',
        'verifier/verifier-2',
      ]);
      expect(rows.every((x) => x.version === '0.1.0')).toBe(true);
    },
    within(30_000),
  );

  it(
    'generates from both edges in SI and DSI with greedy output equal to the target',
    async () => {
      const cases = [
        ['edge1', 'dsi', 'across the wide network'],
        ['edge2', 'si', 'leaf nodes speak'],
        ['edge1', 'si', 'edge to cloud'],
        ['edge2', 'dsi', 'speculation at a distance'],
      ] as const;
      const results = await Promise.all(
        cases.map(([edge, mode, prompt]) =>
          lab!.run(edge, NODE, [
            CLI,
            'generate',
            prompt,
            '--nats',
            'nats://127.0.0.1:4222',
            '--prefix',
            'mh',
            '--mode',
            mode,
            '--k',
            '4',
            '--max-tokens',
            '16',
            '--json',
          ]),
        ),
      );
      for (const [i, r] of results.entries()) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout) as { tokenIds: number[]; mode: string };
        expect(report.mode).toBe(cases[i]![1]);
        expect(report.tokenIds).toEqual(reference(cases[i]![2], 16));
      }
    },
    within(40_000),
  );
});
