/**
 * The standby protocol between a {@link Supervisor} and the processes it keeps as warm spares.
 *
 * A spare is spawned with {@link STANDBY_ENV} set and an IPC channel. It does everything that does
 * not touch the cluster (parse its configuration, load its code), tells the supervisor it is ready,
 * and waits. When the running child dies the supervisor promotes the spare with one message, and the
 * spare starts for real: a restart that costs a message instead of a process boot and a module load,
 * which on a loaded machine is the difference between milliseconds and seconds.
 *
 * Every child spawned with an IPC channel (spare or not) reports once it has started; the supervisor
 * prepares the next spare only then, so a spare's boot never competes with the start it would replace.
 *
 * Messages are small JSON objects tagged `specmesh.*`, so a child's own IPC messages cannot be taken
 * for them.
 */
import { ConfigError } from '@specmesh/protocol';

/** Set to `1` in the environment of a spare process. */
export const STANDBY_ENV = 'SPECMESH_STANDBY';

/** Spare → supervisor: loaded and waiting for promotion. */
export const STANDBY_READY = 'specmesh.standby-ready';
/** Supervisor → spare: start now. */
export const PROMOTE = 'specmesh.promote';
/** Child → supervisor: started (connected, serving); the next spare may boot. */
export const STARTED = 'specmesh.started';

export type StandbyMessageType = typeof STANDBY_READY | typeof PROMOTE | typeof STARTED;

/** The `specmesh.*` type of an IPC message, or undefined for anything else. */
export function standbyMessageType(message: unknown): StandbyMessageType | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return type === STANDBY_READY || type === PROMOTE || type === STARTED ? type : undefined;
}

/** Whether this process was spawned as a spare. */
export function isStandby(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[STANDBY_ENV] === '1';
}

/**
 * Tells the supervisor this spare is ready and resolves when it is promoted. Until then the process
 * stays idle; if the supervisor goes away (the IPC channel closes) the spare exits, since nothing
 * would promote it or stop it any more.
 * @throws ConfigError when the process is not connected to a supervisor over IPC.
 */
export function awaitPromotion(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send || !process.connected)
    throw new ConfigError(
      `${STANDBY_ENV}=1 needs an IPC channel to the supervisor that promotes the process`,
      {
        context: { option: STANDBY_ENV },
      },
    );
  return new Promise((resolve) => {
    const onDisconnect = () => process.exit(0);
    // Ctrl-C in a terminal reaches the whole process group; the spare leaves it to its supervisor,
    // which stops it (or dies, closing the channel), rather than die first and look like a crash.
    const onInterrupt = () => undefined;
    const onMessage = (message: unknown) => {
      if (standbyMessageType(message) !== PROMOTE) return;
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      process.off('SIGINT', onInterrupt);
      // Not inherited by what the promoted process starts (worker threads, child processes).
      delete process.env[STANDBY_ENV];
      resolve();
    };
    process.on('message', onMessage);
    process.once('disconnect', onDisconnect);
    process.on('SIGINT', onInterrupt);
    send({ type: STANDBY_READY });
  });
}

/**
 * Tells a supervisor listening over IPC that this child has started (a no-op without a channel), and
 * lets the channel stop holding the process open: from here on the child lives by its own work, and
 * its parent watch (shutdown.ts) notices a dead supervisor.
 */
export function reportStarted(): void {
  if (!process.send || !process.connected) return;
  process.send({ type: STARTED });
  process.channel?.unref();
}
