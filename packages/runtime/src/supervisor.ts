/**
 * Launches actor child processes and restarts the ones that crash, with exponential back-off.
 *
 * A child that exits on its own with a non-zero code or a signal is restarted after a delay that
 * doubles with each consecutive crash (up to `maxDelayMs`) and resets once the child has stayed up for
 * `stableAfterMs`. After `maxRestarts` crashes within `windowMs` the supervisor gives up on that child
 * and reports it, rather than flapping forever.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { assertSubjectToken, ConfigError } from '@specmesh/protocol';
import type { Logger } from './logger.js';
import { SUPERVISOR_PID_ENV } from './shutdown.js';

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

export type SupervisorEvent =
  | { type: 'spawn'; name: string; pid: number; restarts: number }
  | { type: 'exit'; name: string; code: number | null; signal: NodeJS.Signals | null; expected: boolean }
  | { type: 'restart-scheduled'; name: string; delayMs: number; restarts: number }
  | { type: 'gave-up'; name: string; restarts: number };

interface ChildState {
  spec: ChildSpec;
  proc: ChildProcess | undefined;
  restarts: number;
  crashTimes: number[];
  delayMs: number;
  startedAt: number;
  stopping: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

/** Status of one supervised child. */
export interface ChildStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly restarts: number;
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
      crashTimes: [],
      delayMs: this.opts.initialDelayMs,
      startedAt: 0,
      stopping: false,
      restartTimer: undefined,
    };
    this.children.set(spec.name, state);
    this.launch(state);
  }

  private launch(state: ChildState) {
    const { spec } = state;
    const proc = spawn(spec.command ?? process.execPath, [...spec.args], {
      // Children that install the graceful shutdown drain themselves if this process dies.
      env: { ...(spec.env ?? process.env), [SUPERVISOR_PID_ENV]: String(process.pid) },
      cwd: spec.cwd,
      stdio: this.opts.stdio,
    });
    state.proc = proc;
    state.startedAt = Date.now();
    proc.once('error', (err) => this.opts.logger?.error({ err, child: spec.name }, 'child failed to start'));
    proc.once('spawn', () =>
      this.emit({ type: 'spawn', name: spec.name, pid: proc.pid ?? -1, restarts: state.restarts }),
    );
    proc.once('exit', (code, signal) => this.onExit(state, proc, code, signal));
  }

  private onExit(state: ChildState, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (state.proc !== proc) return;
    state.proc = undefined;
    const expected = state.stopping;
    this.emit({ type: 'exit', name: state.spec.name, code, signal, expected });
    if (expected) return;
    const policy = state.spec.restart ?? 'on-failure';
    const crashed = code !== 0;
    if (policy === 'never' || (policy === 'on-failure' && !crashed)) return;
    if (code !== null && state.spec.noRestartCodes?.includes(code)) {
      this.opts.logger?.error(
        { child: state.spec.name, code },
        'child exited with a code that a restart cannot fix',
      );
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
      this.emit({ type: 'gave-up', name: state.spec.name, restarts: state.restarts });
      return;
    }
    const delayMs = state.delayMs;
    state.delayMs = Math.min(this.opts.maxDelayMs, Math.max(1, state.delayMs) * 2);
    state.restarts++;
    this.opts.logger?.warn({ child: state.spec.name, code, signal, delayMs }, 'child exited; restarting');
    this.emit({ type: 'restart-scheduled', name: state.spec.name, delayMs, restarts: state.restarts });
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (!state.stopping) this.launch(state);
    }, delayMs);
  }

  /** Status of every child. */
  status(): ChildStatus[] {
    return [...this.children.values()].map((s) => ({
      name: s.spec.name,
      pid: s.proc?.pid,
      running: s.proc !== undefined,
      restarts: s.restarts,
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

  /** Stops one child: SIGTERM (graceful drain), SIGKILL after the grace period. */
  async stopChild(name: string): Promise<void> {
    const state = this.children.get(name);
    if (!state) return;
    state.stopping = true;
    if (state.restartTimer) clearTimeout(state.restartTimer);
    const proc = state.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), this.opts.stopGraceMs);
      await exited;
      clearTimeout(timer);
    }
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
