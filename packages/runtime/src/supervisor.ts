/**
 * Launches actor child processes and restarts the ones that crash, with exponential back-off.
 *
 * A child that exits on its own with a non-zero code or a signal is restarted after a delay that
 * doubles with each consecutive crash (up to `maxDelayMs`) and resets once the child has stayed up for
 * `stableAfterMs`. After `maxRestarts` crashes within `windowMs` the supervisor gives up on that child
 * and reports it, rather than flapping forever.
 *
 * A child with `warmSpare` also has a spare process of its spec waiting in standby (warm-spare.ts,
 * standby.ts). A restart then promotes the spare with one message instead of booting a new process,
 * and a new spare boots in the background once the promoted one has started. A crash loop still backs
 * off: only a restart that would have waited the first delay promotes at once.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { assertSubjectToken, ConfigError } from '@specmesh/protocol';
import type { Logger } from './logger.js';
import { SUPERVISOR_PID_ENV } from './shutdown.js';
import { PROMOTE, STANDBY_ENV, STARTED, standbyMessageType } from './standby.js';
import { stopProcess } from './stop-process.js';
import { type SpareEvent, SpareSlot } from './warm-spare.js';

export interface ChildSpec {
  /** Unique name of the child (a subject-safe token), used in logs and events. */
  name: string;
  /** Executable. Defaults to the current Node binary. */
  command?: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** `on-failure` restarts after a crash only; `always` also after a clean exit. Defaults to `on-failure`. */
  restart?: 'on-failure' | 'always' | 'never';
  /**
   * Exit codes that mean "restarting will not help" (a bad configuration: specmesh exits 2), as
   * systemd's RestartPreventExitStatus: the child stays down and `gave-up` is emitted.
   */
  noRestartCodes?: readonly number[];
  /**
   * Keep a spare process of this spec spawned in standby, promoted when the child has to be
   * restarted. The child must speak the standby protocol (standby.ts): wait for promotion when
   * `SPECMESH_STANDBY=1`, report `started` over IPC. Every process of the child gets an IPC channel
   * after the stdio of {@link SupervisorOptions.stdio}. Defaults to false.
   */
  warmSpare?: boolean;
}

export interface SupervisorOptions {
  /** First restart delay, ms. Defaults to 100. */
  initialDelayMs?: number;
  /** Largest restart delay, ms. Defaults to 10000. */
  maxDelayMs?: number;
  /** Uptime after which the back-off resets, ms. Defaults to 10000. */
  stableAfterMs?: number;
  /** Crashes allowed within `windowMs` before giving up. Defaults to 10. */
  maxRestarts?: number;
  /** Window of `maxRestarts`, ms. Defaults to 60000. */
  windowMs?: number;
  /** Time a child gets between SIGTERM and SIGKILL on stop, ms. Defaults to 5000. */
  stopGraceMs?: number;
  /** stdio of the children. Defaults to `['ignore', 'inherit', 'inherit']`. */
  stdio?: StdioOptions;
  logger?: Logger;
}

/**
 * What happens to the children. `spawn` is a process becoming the running child: a fresh one, or a
 * warm spare promoted (`promoted`). `restart-scheduled` with `delayMs` 0 is a promotion at once. The
 * `spare-*` events are about spares only: a spare's exit is not the child's.
 */
export type SupervisorEvent =
  | { type: 'spawn'; name: string; pid: number; restarts: number; promoted: boolean }
  | { type: 'exit'; name: string; code: number | null; signal: NodeJS.Signals | null; expected: boolean }
  | { type: 'restart-scheduled'; name: string; delayMs: number; restarts: number }
  | { type: 'gave-up'; name: string; restarts: number }
  | ({ name: string } & SpareEvent);

interface ChildState {
  spec: ChildSpec;
  proc: ChildProcess | undefined;
  restarts: number;
  /** Restarts that promoted a warm spare. */
  promotions: number;
  crashTimes: number[];
  delayMs: number;
  startedAt: number;
  stopping: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  spare: SpareSlot | undefined;
}

/** Status of one supervised child. */
export interface ChildStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly restarts: number;
  /** Restarts that promoted a warm spare (included in `restarts`). */
  readonly promotions: number;
  /** The warm spare, for a child that has one: its pid while spawned, and whether it waits ready. */
  readonly spare?: { readonly pid: number | undefined; readonly ready: boolean };
}

/** `stdio` with an IPC channel after it (a standby child talks to its supervisor over it). */
function withIpc(stdio: StdioOptions): StdioOptions {
  const all = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
  if (all.includes('ipc')) return all;
  // Unset entries among the first three keep Node's default for them.
  while (all.length < 3) all.push(undefined);
  return [...all, 'ipc'];
}

export class Supervisor {
  private readonly children = new Map<string, ChildState>();
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private readonly opts: Required<Omit<SupervisorOptions, 'logger'>> & { logger: Logger | undefined };

  constructor(options: SupervisorOptions = {}) {
    this.opts = {
      initialDelayMs: options.initialDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      stableAfterMs: options.stableAfterMs ?? 10_000,
      maxRestarts: options.maxRestarts ?? 10,
      windowMs: options.windowMs ?? 60_000,
      stopGraceMs: options.stopGraceMs ?? 5000,
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
      logger: options.logger,
    };
    for (const key of [
      'initialDelayMs',
      'maxDelayMs',
      'stableAfterMs',
      'maxRestarts',
      'windowMs',
      'stopGraceMs',
    ] as const) {
      const v = this.opts[key];
      if (!Number.isFinite(v) || v < 0)
        throw new ConfigError(`option ${key} must be a number >= 0, got ${v}`);
    }
  }

  /** Starts a child and keeps it running according to its restart policy. */
  start(spec: ChildSpec): void {
    assertSubjectToken(spec.name, 'child name');
    if (this.children.has(spec.name))
      throw new ConfigError(`a child named ${spec.name} is already supervised`);
    const state: ChildState = {
      spec,
      proc: undefined,
      restarts: 0,
      promotions: 0,
      crashTimes: [],
      delayMs: this.opts.initialDelayMs,
      startedAt: 0,
      stopping: false,
      restartTimer: undefined,
      spare: undefined,
    };
    if (spec.warmSpare) state.spare = this.spareSlotOf(spec);
    this.children.set(spec.name, state);
    this.launch(state);
  }

  private spareSlotOf(spec: ChildSpec): SpareSlot {
    return new SpareSlot({
      name: spec.name,
      spawn: () => this.spawnProcess(spec, true),
      initialDelayMs: this.opts.initialDelayMs,
      maxDelayMs: this.opts.maxDelayMs,
      noRestartCodes: spec.noRestartCodes ?? [],
      stopGraceMs: this.opts.stopGraceMs,
      logger: this.opts.logger,
      onEvent: (e) => this.emit({ ...e, name: spec.name }),
    });
  }

  private spawnProcess(spec: ChildSpec, standby: boolean): ChildProcess {
    return spawn(spec.command ?? process.execPath, [...spec.args], {
      env: {
        ...(spec.env ?? process.env),
        // Children that install the graceful shutdown drain themselves if this process dies.
        [SUPERVISOR_PID_ENV]: String(process.pid),
        ...(standby ? { [STANDBY_ENV]: '1' } : {}),
      },
      cwd: spec.cwd,
      stdio: spec.warmSpare ? withIpc(this.opts.stdio) : this.opts.stdio,
    });
  }

  /** Starts the child in a fresh process. */
  private launch(state: ChildState) {
    const { spec } = state;
    const proc = this.spawnProcess(spec, false);
    this.adopt(state, proc);
    proc.once('error', (err) => this.opts.logger?.error({ err, child: spec.name }, 'child failed to start'));
    proc.once('spawn', () =>
      this.emit({
        type: 'spawn',
        name: spec.name,
        pid: proc.pid ?? -1,
        restarts: state.restarts,
        promoted: false,
      }),
    );
  }

  /** Makes `spare` the running child: it starts on the promotion message. */
  private promote(state: ChildState, spare: ChildProcess) {
    this.adopt(state, spare);
    state.promotions++;
    // Should the spare have died a moment ago, the send fails and its exit restarts the child.
    spare.send({ type: PROMOTE }, (err) => {
      if (err) this.opts.logger?.warn({ err, child: state.spec.name }, 'promotion not delivered');
    });
    this.emit({
      type: 'spawn',
      name: state.spec.name,
      pid: spare.pid ?? -1,
      restarts: state.restarts,
      promoted: true,
    });
  }

  /** `proc` is the running child from now on. */
  private adopt(state: ChildState, proc: ChildProcess) {
    state.proc = proc;
    state.startedAt = Date.now();
    proc.once('exit', (code, signal) => this.onExit(state, proc, code, signal));
    // The next spare boots once this child has started, so the two never compete for the CPU.
    if (state.spare)
      proc.on('message', (message: unknown) => {
        if (state.proc === proc && standbyMessageType(message) === STARTED) state.spare?.fill();
      });
  }

  /** Restarts the child: promotes its spare if one is ready, else starts a fresh process. */
  private restart(state: ChildState) {
    const spare = state.spare?.take();
    if (spare) this.promote(state, spare);
    else this.launch(state);
  }

  private onExit(state: ChildState, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (state.proc !== proc) return;
    state.proc = undefined;
    const expected = state.stopping;
    this.emit({ type: 'exit', name: state.spec.name, code, signal, expected });
    if (expected) return;
    const policy = state.spec.restart ?? 'on-failure';
    const crashed = code !== 0;
    if (policy === 'never' || (policy === 'on-failure' && !crashed)) {
      // The child stays down: its spare would wait for nothing.
      void state.spare?.close();
      return;
    }
    if (code !== null && state.spec.noRestartCodes?.includes(code)) {
      this.opts.logger?.error(
        { child: state.spec.name, code },
        'child exited with a code that a restart cannot fix',
      );
      void state.spare?.close();
      this.emit({ type: 'gave-up', name: state.spec.name, restarts: state.restarts });
      return;
    }

    const now = Date.now();
    if (now - state.startedAt >= this.opts.stableAfterMs) state.delayMs = this.opts.initialDelayMs;
    state.crashTimes = state.crashTimes.filter((t) => now - t < this.opts.windowMs);
    state.crashTimes.push(now);
    if (state.crashTimes.length > this.opts.maxRestarts) {
      this.opts.logger?.error(
        { child: state.spec.name, restarts: state.restarts },
        'child keeps crashing; giving up',
      );
      void state.spare?.close();
      this.emit({ type: 'gave-up', name: state.spec.name, restarts: state.restarts });
      return;
    }
    const backOffMs = state.delayMs;
    state.delayMs = Math.min(this.opts.maxDelayMs, Math.max(1, state.delayMs) * 2);
    state.restarts++;
    // A ready spare replaces the first delay: a child that had been stable is back at once. One that
    // crashes again before it is stable waits its growing delay, spare or not, so a crash loop backs
    // off and gives up as it would without spares.
    const promoteNow = state.spare?.isReady === true && backOffMs === this.opts.initialDelayMs;
    const delayMs = promoteNow ? 0 : backOffMs;
    this.opts.logger?.warn(
      { child: state.spec.name, code, signal, delayMs },
      promoteNow ? 'child exited; promoting its warm spare' : 'child exited; restarting',
    );
    this.emit({ type: 'restart-scheduled', name: state.spec.name, delayMs, restarts: state.restarts });
    if (promoteNow) {
      this.restart(state);
      return;
    }
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (!state.stopping) this.restart(state);
    }, delayMs);
  }

  /** Status of every child. */
  status(): ChildStatus[] {
    return [...this.children.values()].map((s) => ({
      name: s.spec.name,
      pid: s.proc?.pid,
      running: s.proc !== undefined,
      restarts: s.restarts,
      promotions: s.promotions,
      ...(s.spare ? { spare: { pid: s.spare.pid, ready: s.spare.isReady } } : {}),
    }));
  }

  /** Sends `signal` to a running child (tests and chaos tooling use SIGKILL). */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const proc = this.children.get(name)?.proc;
    return proc ? proc.kill(signal) : false;
  }

  /** Calls `listener` for every event; returns an unsubscribe function. */
  on(listener: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves on the first event matching `predicate`. */
  next(predicate: (e: SupervisorEvent) => boolean, timeoutMs = 10_000): Promise<SupervisorEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ConfigError(`no matching supervisor event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (predicate(e)) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
  }

  /** Stops one child and its spare: SIGTERM (graceful drain), SIGKILL after the grace period. */
  async stopChild(name: string): Promise<void> {
    const state = this.children.get(name);
    if (!state) return;
    state.stopping = true;
    if (state.restartTimer) clearTimeout(state.restartTimer);
    await Promise.all([
      state.proc ? stopProcess(state.proc, this.opts.stopGraceMs) : undefined,
      state.spare?.close(),
    ]);
    this.children.delete(name);
  }

  /** Stops every child. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((n) => this.stopChild(n)));
  }

  private emit(e: SupervisorEvent) {
    for (const l of this.listeners) l(e);
  }
}
