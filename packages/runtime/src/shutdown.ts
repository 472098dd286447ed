/**
 * Graceful shutdown on SIGTERM / SIGINT: drain every registered actor (finish in-flight work, stop
 * heartbeats, close NATS) and exit 0. A second signal, or a drain that takes longer than `timeoutMs`,
 * exits at once with code 1.
 */
import type { Logger } from './logger.js';

export interface Drainable {
  drain(): Promise<void>;
}

export interface ShutdownOptions {
  /** Longest time the whole drain may take, ms. Defaults to 15000. */
  timeoutMs?: number;
  logger?: Logger;
  /** Extra clean-up after the actors drained (stop child servers, flush files). */
  onDrained?: () => Promise<void> | void;
  /** Called instead of `process.exit` (tests). Defaults to `process.exit`. */
  exit?: (code: number) => void;
}

/** Installs the signal handlers; returns a function that removes them. */
export function installGracefulShutdown(
  targets: readonly Drainable[],
  options: ShutdownOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger?.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    shuttingDown = true;
    options.logger?.info({ signal }, 'shutting down gracefully');
    const timer = setTimeout(() => {
      options.logger?.error('graceful shutdown timed out');
      exit(1);
    }, options.timeoutMs ?? 15_000);
    timer.unref();
    Promise.all(targets.map((t) => t.drain()))
      .then(() => options.onDrained?.())
      .then(
        () => {
          clearTimeout(timer);
          exit(0);
        },
        (err: unknown) => {
          options.logger?.error({ err }, 'shutdown failed');
          exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
