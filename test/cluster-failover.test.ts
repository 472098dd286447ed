/**
 * Cross-package, multi-process: an actor process started with the CLI on one node of a 3-node NATS
 * cluster keeps serving after that node is killed, by reconnecting to a surviving node it learnt of
 * from the cluster.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sampleVerifyTask } from '@specmesh/protocol/internal';
import { Actor, type NatsClusterHandle, startNatsCluster } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

function startNode(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'node', '--role', 'echo', '--name', name, '--nats', url, '--heartbeat-ms', '200'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`node exited early with ${code}`)));
  });
}

describe('NATS cluster failover', () => {
  let cluster: NatsClusterHandle;
  let node: ChildProcess | undefined;
  beforeAll(async () => {
    cluster = await startNatsCluster({ size: 3 });
  });
  afterAll(async () => {
    node?.kill('SIGKILL');
    await cluster.stop();
  });

  it('an actor process reconnects to a surviving node and serves again', async () => {
    const [first, , third] = cluster.servers;
    node = await startNode(first!.url, 'echo-failover');
    const client = await Actor.start({ role: 'gateway', servers: third!.url, heartbeatIntervalMs: 0 });
    const subject = client.subjects.echo('default');
    const ask = () =>
      client.request(subject, 'verify.task', sampleVerifyTask(), { expect: 'verify.result', timeoutMs: 500 });

    // Interest propagates over routes; retry until the first reply (bounded).
    const untilServed = async (deadlineMs: number) => {
      const until = Date.now() + deadlineMs;
      for (;;) {
        try {
          return await ask();
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    expect((await untilServed(5000)).body.verifierId).toBe('echo-failover');

    await first!.kill();
    const t0 = Date.now();
    const reply = await untilServed(15_000);
    expect(reply.body.verifierId).toBe('echo-failover');
    expect(Date.now() - t0).toBeLessThan(15_000);
    // The same process kept running: it reconnected, it was not restarted.
    expect(node.exitCode).toBeNull();
    await client.stop();
  });
});
