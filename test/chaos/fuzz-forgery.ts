/**
 * Forged and replayed verification results against live sessions. Watching the pool's task subject
 * like any subscriber could, the forger answers real tasks before their verifier does with results
 * that contradict the task (an epoch it was not sent in, more accepted drafts than it carried) or name
 * a task that does not exist, each carrying a token the target would not produce; and it publishes
 * real results a second time. A drafter that took any of them would commit a wrong token or a token
 * twice, which the suite's comparison with the target's greedy output catches.
 *
 * Forging a result that is consistent with its task (right id, epoch and count, wrong token) is not
 * attempted: no receiver can tell it from the verifier's, which is why only verifiers and batchers may
 * publish on `result.*` (per-role NATS users; see the security tests).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { EmulatedModel } from '@specmesh/models';
import { type BodyOf, Codec, decodeMessage, type Subjects } from '@specmesh/protocol';

export type ForgeryKind = 'made-up task id' | 'wrong epoch' | 'accepted > drafts';
export const FORGERY_KINDS: readonly ForgeryKind[] = ['made-up task id', 'wrong epoch', 'accepted > drafts'];

export interface ForgeryCounts {
  readonly forged: Record<ForgeryKind, number>;
  /** Real results published a second time. */
  readonly replayed: number;
}

export interface ResultForgerOptions {
  /** Forge at most this many results of each kind. */
  readonly perKind: number;
  /** Replay at most this many real results. */
  readonly replays: number;
  /** Sessions whose id starts with this are the fuzzer's own, not live ones. */
  readonly ownPrefix: string;
}

export class ResultForger {
  private readonly codec = new Codec({ from: 'forger' });
  private readonly subs: Subscription[] = [];
  private readonly forged: Record<ForgeryKind, number> = {
    'made-up task id': 0,
    'wrong epoch': 0,
    'accepted > drafts': 0,
  };
  private replayed = 0;
  private turn = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly target: EmulatedModel,
    private readonly options: ResultForgerOptions,
  ) {}

  /** Starts watching tasks and results. */
  start(): void {
    const base = this.subjects.verify('x', 'y').replace(/\.x\.y$/, '.*.*');
    this.subs.push(this.nc.subscribe(base, { callback: (_e, m) => this.onTask(m.data) }));
    const results = this.subjects.result('x', 'y').replace(/\.x\.y$/, '.*.*');
    this.subs.push(this.nc.subscribe(results, { callback: (_e, m) => this.onResult(m.subject, m.data) }));
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
  }

  get counts(): ForgeryCounts {
    return { forged: { ...this.forged }, replayed: this.replayed };
  }

  /**
   * A token the target would not produce after the task's prefix and its first `accepted` drafts: the
   * next one after the target's choice when the task carries its whole prefix, else end-of-sequence
   * (which the emulated target never produces).
   */
  private wrongToken(task: BodyOf<'verify.task'>, accepted: number): number {
    if (task.basePos !== 0) return this.target.info.eosId;
    const ctx = [...task.context, ...task.drafts.subarray(0, accepted)];
    return (this.target.targetArgmax(ctx) + 1) % this.target.info.vocabSize;
  }

  private onTask(data: Uint8Array) {
    let task: BodyOf<'verify.task'>;
    try {
      task = decodeMessage(data, 'verify.task').body;
    } catch {
      return; // the fuzzer's own bad input
    }
    // Only real greedy tasks: their right answer is the target's argmax, so a wrong one is known.
    if (task.sessionId.startsWith(this.options.ownPrefix) || task.sampling.temperature !== 0) return;
    const kind = FORGERY_KINDS[this.turn++ % FORGERY_KINDS.length]!;
    if (this.forged[kind] >= this.options.perKind) return;
    const n = task.drafts.length;
    const result: BodyOf<'verify.result'> = {
      taskId: task.taskId,
      sessionId: task.sessionId,
      epoch: task.epoch,
      accepted: 0,
      token: this.wrongToken(task, 0),
      bonus: false,
      verifierId: 'forger',
      queueMs: 0,
      computeMs: 0,
    };
    if (kind === 'made-up task id') result.taskId = `${task.taskId}x${this.forged[kind]}`;
    else if (kind === 'wrong epoch') result.epoch = task.epoch + 1 + (this.turn % 5);
    else {
      result.accepted = Math.min(64, n + 1 + (this.turn % 3));
      result.token = this.wrongToken(task, n);
      result.bonus = true;
    }
    this.forged[kind]++;
    this.nc.publish(
      this.subjects.result(task.host, task.sessionId),
      this.codec.encode('verify.result', result),
    );
  }

  private onResult(subject: string, data: Uint8Array) {
    if (this.replayed >= this.options.replays) return;
    let from: string;
    try {
      const env = decodeMessage(data, ['verify.result', 'error']);
      if (env.kind !== 'verify.result') return;
      from = env.from;
    } catch {
      return;
    }
    if (from === this.codec.from || subject.includes(`.${this.options.ownPrefix}`)) return;
    this.replayed++;
    // A moment later, as a duplicate delivery or a replay by a stranger would come.
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.nc.isClosed()) this.nc.publish(subject, data);
    }, 3);
    this.timers.add(t);
  }
}

/**
 * Replays real `session.start` requests (the scheduler's, seen on `session.*`) a moment after they
 * were sent, as a retrying or malicious requester would: the host must not start a twin of a session
 * it runs (two sessions of one id would share task ids and a token subject).
 */
export class SessionStartReplayer {
  private readonly subs: Subscription[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** Reply kind (or error code) to each replay. */
  readonly replies = new Map<string, number>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly options: { readonly limit: number; readonly ownPrefix: string },
  ) {}

  start(): void {
    const all = this.subjects.session('x').replace(/\.x$/, '.*');
    this.subs.push(
      this.nc.subscribe(all, {
        callback: (_e, m) => {
          if (!m.reply || this.sent >= this.options.limit) return;
          let start: BodyOf<'session.start'>;
          try {
            start = decodeMessage(m.data, 'session.start').body;
          } catch {
            return;
          }
          if (start.sessionId.startsWith(this.options.ownPrefix)) return;
          this.sent++;
          const replay = new Promise<void>((r) => setTimeout(r, 3))
            .then(() => this.nc.request(m.subject, m.data, { timeout: 5000 }))
            .then((reply) => {
              const env = decodeMessage(reply.data, ['session.ok', 'error']);
              const what = env.kind === 'error' ? (env.body as BodyOf<'error'>).code : env.kind;
              this.replies.set(what, (this.replies.get(what) ?? 0) + 1);
            })
            .catch((err: unknown) => {
              this.replies.set(String(err), (this.replies.get(String(err)) ?? 0) + 1);
            });
          this.pending.add(replay);
          void replay.finally(() => this.pending.delete(replay));
        },
      }),
    );
  }

  private sent = 0;

  /** Stops replaying and waits for the replies still out. */
  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await Promise.all(this.pending);
  }
}

/**
 * Watches every token chunk on the wire: a chunk number published twice for one request (by any
 * sender but the fuzzer) means a host streamed a token twice, whatever the client then made of it.
 */
export class TokenStreamWatcher {
  private readonly seen = new Set<string>();
  private sub: Subscription | undefined;
  /** `requestId#seq` of each chunk number seen more than once. */
  readonly duplicates: string[] = [];
  chunks = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly fuzzerIds: ReadonlySet<string>,
  ) {}

  start(): void {
    const all = this.subjects.tokens('x', 'y', 'z').replace(/\.x\.y\.z$/, '.>');
    this.sub = this.nc.subscribe(all, {
      callback: (_e, m) => {
        let env: ReturnType<typeof decodeMessage<'tokens'>>;
        try {
          env = decodeMessage(m.data, 'tokens');
        } catch {
          return;
        }
        if (this.fuzzerIds.has(env.from)) return;
        this.chunks++;
        const key = `${env.body.requestId}#${env.body.seq}`;
        if (this.seen.has(key)) this.duplicates.push(key);
        this.seen.add(key);
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}
