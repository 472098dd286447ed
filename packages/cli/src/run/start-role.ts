/**
 * Starts the actor of `--role`. Each role loads only its own code: the gateway's HTTP stack and the
 * model workers are imported when that role starts, so a batcher or scheduler process is ready sooner
 * and holds less.
 */
import type { AwcWeights } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol/errors';
import type { Actor, Logger } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { NodeArgs } from '../commands/node.js';
import type { NatsConnection } from '../connect-client.js';

/** What every role's actor is started with. */
export interface NodeCommon {
  servers: string[];
  subjects: { prefix: string };
  heartbeatIntervalMs: number;
  logger: Logger;
  nats: NatsConnection;
  id?: string;
}

/** The user's AWC weights, read once at start (a bad file stops the node with a clear message). */
async function awcWeightsOf(args: NodeArgs): Promise<{ awcWeights?: AwcWeights }> {
  if (!args.awcWeights) return {};
  const { loadAwcWeightsFile } = await import('../awc/awc-weights-file.js');
  return { awcWeights: loadAwcWeightsFile(args.awcWeights) };
}

/** An echo actor, shaped like the other roles for start-up and drain. */
async function startEcho(common: NodeCommon): Promise<Started['role']> {
  const { Actor, serveEcho } = await import('@specmesh/runtime');
  const actor = await Actor.start({ ...common, role: 'echo' });
  serveEcho(actor);
  return { actor, drain: () => actor.drain() };
}

export interface Started {
  role: { actor: Actor; drain(): Promise<void> };
  url?: string;
}

export async function startRole(args: ArgumentsCamelCase<NodeArgs>, common: NodeCommon): Promise<Started> {
  switch (args.role) {
    case 'echo':
      return { role: await startEcho(common) };
    case 'batcher': {
      const { Batcher } = await import('@specmesh/actors');
      return {
        role: await Batcher.start({
          ...common,
          pool: args.pool,
          windowMs: args.windowMs,
          maxJobs: args.maxJobs,
          batchTimeoutMs: args.batchTimeoutMs,
        }),
      };
    }
    case 'scheduler': {
      const { Scheduler } = await import('@specmesh/actors');
      return {
        role: await Scheduler.start({
          ...common,
          maxQueue: args.maxQueue,
          targetOnlyFallback: args.targetOnlyFallback,
          placement: args.placement,
          fusedRttMs: args.fusedRttMs,
          busyLoad: args.busyLoad,
          ...(await awcWeightsOf(args)),
        }),
      };
    }
    case 'verifier': {
      const [{ ResultSigner, Verifier }, { createModel }] = await Promise.all([
        import('@specmesh/actors'),
        import('@specmesh/lab/model-args'),
      ]);
      return {
        role: await Verifier.start({
          ...common,
          pool: args.pool,
          model: await createModel(args, 'target'),
          hostSessions: args.hostSessions,
          verifyTimeoutMs: args.verifyTimeoutMs,
          ...(args.fused ? { draftModel: await createModel(args, 'drafter') } : {}),
          ...(args.signingKey ? { signer: ResultSigner.fromPemFile(args.signingKey) } : {}),
          ...(await awcWeightsOf(args)),
        }),
      };
    }
    case 'drafter': {
      const [{ Drafter }, { createModel }] = await Promise.all([
        import('@specmesh/actors'),
        import('@specmesh/lab/model-args'),
      ]);
      return {
        role: await Drafter.start({
          ...common,
          model: await createModel(args, 'drafter'),
          maxSessions: args.maxSessions,
          verifyTimeoutMs: args.verifyTimeoutMs,
          directVerify: args.directVerify,
          lendSlots: args.lendSlots,
          predraft: args.predraft,
          ...(await awcWeightsOf(args)),
        }),
      };
    }
    case 'gateway': {
      const { Gateway } = await import('@specmesh/gateway');
      const g = await Gateway.start({
        ...common,
        port: args.port,
        host: args.host,
        ...(args.apiKeyFile ? { apiKeyFile: args.apiKeyFile } : {}),
        verifiedOutput: args.verifiedOutput,
        ...(args.otlpEndpoint ? { otlpEndpoint: args.otlpEndpoint } : {}),
        ...(args.servedModelName?.length ? { servedModelNames: args.servedModelName } : {}),
      });
      return { role: g, url: g.url };
    }
    default:
      throw new ConfigError(`role ${args.role} is not available in this build`);
  }
}
