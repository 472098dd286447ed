/**
 * The roles behind a gateway in the gateway tests, in this process: a scheduler, a batcher of pool
 * `p`, verifiers of that pool and one drafter, on emulated models. Resolves once the scheduler has
 * heard every one of them (so a request placed at once finds them), to a function that stops them
 * all, drafter first.
 */
import { Batcher, Drafter, Scheduler, type SchedulerOptions, Verifier } from '@specmesh/actors';
import type { LanguageModel } from '@specmesh/models';
import { within } from './within.js';

export interface TestRoles {
  readonly target: LanguageModel;
  readonly drafter: LanguageModel;
  readonly verifierIds: readonly string[];
  readonly drafterId: string;
  readonly schedulerId?: string;
  readonly batcherId?: string;
  /** Scheduler options beyond the connection. */
  readonly scheduler?: Partial<SchedulerOptions>;
  /** Sessions the drafter holds at once (its default otherwise). */
  readonly drafterSessions?: number;
}

export async function startRoles(
  common: { servers: string; heartbeatIntervalMs: number },
  o: TestRoles,
): Promise<() => Promise<void>> {
  const sched = await Scheduler.start({
    ...common,
    ...(o.schedulerId ? { id: o.schedulerId } : {}),
    ...o.scheduler,
  });
  const batcher = await Batcher.start({ ...common, ...(o.batcherId ? { id: o.batcherId } : {}), pool: 'p' });
  const vs = await Promise.all(
    o.verifierIds.map((id) => Verifier.start({ ...common, id, pool: 'p', model: o.target })),
  );
  const d = await Drafter.start({
    ...common,
    id: o.drafterId,
    model: o.drafter,
    ...(o.drafterSessions ? { maxSessions: o.drafterSessions } : {}),
  });
  const ids = [...o.verifierIds, o.drafterId, batcher.actor.id];
  await sched.membership.waitFor((ms) => ids.every((id) => ms.some((m) => m.id === id)), within(10_000));
  return async () => {
    await d.stop();
    for (const v of vs) await v.stop();
    await batcher.stop();
    await sched.stop();
  };
}
