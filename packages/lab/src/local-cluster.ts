/**
 * What `up` and `demo` share: validated counts, a nats-server (embedded unless `--nats` names one), a
 * supervisor for role processes, and a client actor with a membership view to watch them join.
 */
import { ConfigError, type Role } from '@specmesh/protocol';
import { Actor, createLogger, type Logger, MembershipView, Supervisor } from '@specmesh/runtime';
import { serversOrEmbedded } from './embedded-nats.js';

/** Throws a ConfigError naming the flag unless every listed argument is a positive integer. */
export function requirePositiveIntegers<K extends string>(args: Record<K, number>, keys: readonly K[]): void {
  for (const k of keys) {
    if (!Number.isInteger(args[k]) || args[k] < 1) {
      throw new ConfigError(`--${k} must be a positive integer, got ${args[k]}`, { context: { option: k } });
    }
  }
}

export interface LocalCluster {
  readonly servers: string[];
  readonly logger: Logger;
  readonly supervisor: Supervisor;
  readonly client: Actor;
  readonly view: MembershipView;
  /** Stops the role processes (they drain on SIGTERM), the client, then the embedded server. */
  stop(): Promise<void>;
}

export async function startLocalCluster(
  args: { nats?: string[]; prefix: string; logLevel: string },
  say: (line: string) => void,
  watchRole?: Role,
): Promise<LocalCluster> {
  const logger = createLogger({ level: args.logLevel });
  const { servers, embedded } = await serversOrEmbedded(args.nats, say);
  const supervisor = new Supervisor({ logger, stdio: ['ignore', 'ignore', 'inherit'] });
  const client = await Actor.start({
    role: 'gateway',
    servers,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: 0,
    logger,
  });
  const view = new MembershipView(watchRole ? { role: watchRole } : {}).start(client, 50);
  return {
    servers,
    logger,
    supervisor,
    client,
    view,
    stop: async () => {
      view.stop();
      await supervisor.stopAll();
      await client.drain();
      await embedded?.stop();
    },
  };
}
