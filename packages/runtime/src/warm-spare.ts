/**
 * The warm spare of one supervised child: a second process of the child's spec, spawned in standby
 * (standby.ts), that the {@link Supervisor} promotes when the running child dies.
 *
 * The slot holds at most one spare. A spare that dies before promotion is replaced after a delay that
 * doubles with each death in a row (from the supervisor's first restart delay up to its largest) and
 * resets once a spare reports ready; those deaths are not the child's crashes and never make the
 * supervisor give up on the child. A spare that exits with one of the child's "restarting will not
 * help" codes ends spares for that child: the child itself keeps running and restarting as without.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from './logger.js';
import { STANDBY_READY, standbyMessageType } from './standby.js';
import { isAlive, stopProcess } from './stop-process.js';

/** What the slot tells its supervisor. */
export type SpareEvent =
  | { type: 'spare-ready'; pid: number }
  | {
      type: 'spare-exit';
      pid: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      expected: boolean;
    };

export interface SpareSlotOptions {
  /** Spawns a process of the child's spec in standby (with an IPC channel). */
  spawn: () => ChildProcess;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Exit codes after which no further spare is spawned. */
  noRestartCodes: readonly number[];
  /** Time a spare gets between SIGTERM and SIGKILL on close, ms. */
  stopGraceMs: number;
  onEvent: (e: SpareEvent) => void;
  logger?: Logger | undefined;
  /** Child name, for logs. */
  name: string;
}

export class SpareSlot {
  private proc: ChildProcess | undefined;
  private ready = false;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: SpareSlotOptions) {
    this.delayMs = o.initialDelayMs;
  }

  /** Pid of the spare, if there is one (ready or still loading). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Whether the spare has loaded and waits for promotion. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Spawns a spare unless one is there, one is due after a death, or the slot is closed. */
  fill(): void {
    if (this.closed || this.proc || this.timer) return;
    const proc = this.o.spawn();
    this.proc = proc;
    this.ready = false;
    proc.once('error', (err) =>
      this.o.logger?.error({ err, child: this.o.name }, 'warm spare failed to start'),
    );
    proc.on('message', (message: unknown) => {
      if (this.proc !== proc || standbyMessageType(message) !== STANDBY_READY) return;
      this.ready = true;
      this.delayMs = this.o.initialDelayMs;
      this.o.onEvent({ type: 'spare-ready', pid: proc.pid ?? -1 });
    });
    proc.once('exit', (code, signal) => this.onExit(proc, code, signal));
  }

  /**
   * Hands over the spare if it is ready, leaving the slot empty (the caller owns the process from
   * here, and sends it the promotion); undefined if no spare is ready.
   */
  take(): ChildProcess | undefined {
    const proc = this.proc;
    if (!proc || !this.ready || !isAlive(proc)) return undefined;
    this.proc = undefined;
    this.ready = false;
    // Its listeners here check `this.proc` and ignore it from now on.
    return proc;
  }

  /** Stops the spare and any replacement due; the slot spawns nothing afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.proc) await stopProcess(this.proc, this.o.stopGraceMs);
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    // A promoted spare is the child now: its exit is the supervisor's business.
    if (this.proc !== proc) return;
    this.proc = undefined;
    this.ready = false;
    this.o.onEvent({ type: 'spare-exit', pid: proc.pid ?? -1, code, signal, expected: this.closed });
    if (this.closed) return;
    if (code !== null && this.o.noRestartCodes.includes(code)) {
      this.closed = true;
      this.o.logger?.error(
        { child: this.o.name, code },
        'warm spare exited with a code that a restart cannot fix; no more spares for this child',
      );
      return;
    }
    const delayMs = this.delayMs;
    this.delayMs = Math.min(this.o.maxDelayMs, Math.max(1, this.delayMs) * 2);
    this.o.logger?.warn({ child: this.o.name, code, signal, delayMs }, 'warm spare exited; replacing it');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fill();
    }, delayMs);
  }
}
