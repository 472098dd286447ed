/**
 * Loads and starts the actor of `--role`. Each role loads only its own code: the gateway's HTTP stack
 * and the model workers are imported when that role starts, so a batcher or scheduler process is
 * ready sooner and holds less.
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

export interface Started {
  role: { actor: Actor; drain(): Promise<void> };
  url?: string;
}

/** Starts a loaded role: connects, opens its model, serves. */
export type RoleStarter = (common: NodeCommon) => Promise<Started>;

/**
 * Loads the code of `--role` (with node-llama-cpp's for the llama backend) and reads its local files
 * (AWC weights, signing key), touching neither NATS nor the network; the starter it returns does the
 * rest. A warm spare (node.ts) loads and then waits, so that its promotion pays no module loading.
 *
 * Models are opened by the starter, not here: a spare holding a second copy of a llama model would
 * double the machine's memory for it. Their worker threads (piscina) are left to the starter too,
 * though opening them early would save the promoted spare their start (about 100 ms idle): each is a
 * V8 isolate that loads the model code again, about 20 MB per `--model-threads` on a spare of about
 * 75 MB, and PooledModel opens the pool and loads the model in one step.
 */
export async function loadRole(args: ArgumentsCamelCase<NodeArgs>): Promise<RoleStarter> {
  switch (args.role) {
    case 'echo': {
      const { Actor, serveEcho } = await import('@specmesh/runtime');
      return async (common) => {
        const actor = await Actor.start({ ...common, role: 'echo' });
        serveEcho(actor);
        return { role: { actor, drain: () => actor.drain() } };
      };
    }
    case 'batcher': {
      const { Batcher } = await import('@specmesh/actors');
      return async (common) => ({
        role: await Batcher.start({
          ...common,
          pool: args.pool,
          windowMs: args.windowMs,
          maxJobs: args.maxJobs,
          batchTimeoutMs: args.batchTimeoutMs,
        }),
      });
    }
    case 'scheduler': {
      const [{ Scheduler }, awc] = await Promise.all([import('@specmesh/actors'), awcWeightsOf(args)]);
      return async (common) => ({
        role: await Scheduler.start({
          ...common,
          maxQueue: args.maxQueue,
          targetOnlyFallback: args.targetOnlyFallback,
          placement: args.placement,
          fusedRttMs: args.fusedRttMs,
          busyLoad: args.busyLoad,
          ...awc,
        }),
      });
    }
    case 'verifier': {
      const [{ ResultSigner, Verifier }, { createModel, loadModelCode }, awc] = await Promise.all([
        import('@specmesh/actors'),
        import('@specmesh/lab/model-args'),
        awcWeightsOf(args),
      ]);
      await loadModelCode(args);
      const signer = args.signingKey ? ResultSigner.fromPemFile(args.signingKey) : undefined;
      return async (common) => ({
        role: await Verifier.start({
          ...common,
          pool: args.pool,
          model: await createModel(args, 'target'),
          hostSessions: args.hostSessions,
          verifyTimeoutMs: args.verifyTimeoutMs,
          ...(args.fused ? { draftModel: await createModel(args, 'drafter') } : {}),
          ...(signer ? { signer } : {}),
          ...awc,
        }),
      });
    }
    case 'drafter': {
      const [{ Drafter }, { createModel, loadModelCode }, awc] = await Promise.all([
        import('@specmesh/actors'),
        import('@specmesh/lab/model-args'),
        awcWeightsOf(args),
      ]);
      await loadModelCode(args);
      return async (common) => ({
        role: await Drafter.start({
          ...common,
          model: await createModel(args, 'drafter'),
          maxSessions: args.maxSessions,
          verifyTimeoutMs: args.verifyTimeoutMs,
          directVerify: args.directVerify,
          lendSlots: args.lendSlots,
          predraft: args.predraft,
          ...awc,
        }),
      });
    }
    case 'gateway': {
      const { Gateway } = await import('@specmesh/gateway');
      return async (common) => {
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
      };
    }
    default:
      throw new ConfigError(`role ${args.role} is not available in this build`);
  }
}
