/** Shared set-up of the actor tests: one nats-server per file and a clean-up list run after each test. */
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface Harness {
  /** URL of this file's nats-server (valid inside tests). */
  readonly url: string;
  /** Registers a clean-up to run after the current test. */
  defer(fn: () => Promise<void>): void;
}

export function useNatsServer(): Harness {
  let server: NatsServerHandle | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      if (!server) throw new Error('nats-server not started yet');
      return server.url;
    },
    defer: (fn) => cleanup.push(fn),
  };
}
