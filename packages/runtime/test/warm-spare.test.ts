/**
 * The supervisor's warm spares, with real child processes: a killed child is replaced by promoting
 * the spare spawned before the kill (which had not connected), a new spare follows, a spare's death
 * is not a crash of the child, a crash loop still backs off and gives up, and nothing outlives
 * stopAll or a killed supervisor.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { freePort } from '../src/free-port.js';
import { MembershipView } from '../src/membership.js';
import { untilConnections } from '../src/nats-monitor.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';
import { startupDeadlineMs } from '../src/startup-deadline.js';
import { Supervisor, type SupervisorEvent } from '../src/supervisor.js';
import { ECHO_ACTOR_BIN, exitOf, isRunning, spawnScript, until } from './helpers.js';

const SUPERVISOR_JS = fileURLToPath(new URL('../dist/supervisor.js', import.meta.url));
const STANDBY_JS = fileURLToPath(new URL('../dist/standby.js', import.meta.url));

/** A child that speaks the standby protocol and then idles (no NATS): `node <args>`. */
const IDLE_CHILD = [
  '--input-type=module',
  '-e',
  `const { awaitPromotion, isStandby, reportStarted } = await import(${JSON.stringify(STANDBY_JS)});
   if (isStandby()) await awaitPromotion();
   reportStarted();
   setInterval(() => {}, 60_000);`,
];

type Of<T extends SupervisorEvent['type']> = Extract<SupervisorEvent, { type: T }>;

function recorder(sup: Supervisor): SupervisorEvent[] {
  const events: SupervisorEvent[] = [];
  sup.on((e) => events.push(e));
  return events;
}

/** Every pid the events name (children and spares). */
function pidsOf(events: readonly SupervisorEvent[]): number[] {
  return events.flatMap((e) => ('pid' in e && e.pid > 0 ? [e.pid] : []));
}

describe('supervisor with a warm spare', () => {
  let server: NatsServerHandle;
  let monitorPort: number;
  beforeAll(async () => {
    monitorPort = await freePort();
    server = await startNatsServer({ args: ['-m', String(monitorPort)] });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('promotes the spare spawned before the kill, which had not connected, and spawns a new one', async () => {
    const observer = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    const view = new MembershipView().start(observer, 25);
    const sup = new Supervisor({ initialDelayMs: 50, stdio: 'ignore' });
    const events = recorder(sup);
    try {
      const spareReady = sup.next((e) => e.type === 'spare-ready', startupDeadlineMs(2));
      sup.start({
        name: 'echo-warm',
        args: [ECHO_ACTOR_BIN, server.url, 'echo-warm', '100'],
        warmSpare: true,
      });
      await view.waitFor((ms) => ms.some((m) => m.id === 'echo-warm'), startupDeadlineMs(1));
      const sparePid = ((await spareReady) as Of<'spare-ready'>).pid;
      const firstPid = sup.status()[0]!.pid;
      expect(sparePid).not.toBe(firstPid);
      // Loaded and waiting, but not in the cluster: one connection under the id, the running child's.
      expect(await untilConnections(monitorPort, 'echo-warm', 1, startupDeadlineMs(1))).toBe(true);
      const firstStart = view.get('echo-warm')!.heartbeat.startedAt;

      const promoted = sup.next((e) => e.type === 'spawn' && e.restarts === 1, startupDeadlineMs(1));
      const nextSpare = sup.next((e) => e.type === 'spare-ready' && e.pid !== sparePid, startupDeadlineMs(2));
      expect(sup.kill('echo-warm', 'SIGKILL')).toBe(true);
      expect(await promoted).toMatchObject({ pid: sparePid, promoted: true });
      expect(events.find((e) => e.type === 'restart-scheduled')).toMatchObject({ delayMs: 0 });
      await view.waitFor(
        (ms) => ms.some((m) => m.id === 'echo-warm' && m.heartbeat.startedAt !== firstStart),
        startupDeadlineMs(1),
      );
      const newSparePid = ((await nextSpare) as Of<'spare-ready'>).pid;
      expect(sup.status()[0]).toMatchObject({
        pid: sparePid,
        running: true,
        restarts: 1,
        promotions: 1,
        spare: { pid: newSparePid, ready: true },
      });
      // The new spare waits without connecting too.
      expect(await untilConnections(monitorPort, 'echo-warm', 1, startupDeadlineMs(1))).toBe(true);

      await sup.stopAll();
      for (const pid of pidsOf(events)) expect(isRunning(pid)).toBe(false);
    } finally {
      await sup.stopAll();
      view.stop();
      await observer.stop();
    }
  });

  it("replaces a spare that dies, without counting it as the child's crash", async () => {
    // No crash allowed at all: a spare's death counted as one would make the supervisor give up.
    const sup = new Supervisor({ initialDelayMs: 10, maxRestarts: 0, stdio: 'ignore' });
    const events = recorder(sup);
    try {
      const ready = sup.next((e) => e.type === 'spare-ready', startupDeadlineMs(2));
      sup.start({ name: 'spared', args: IDLE_CHILD, warmSpare: true });
      const first = (await ready) as Of<'spare-ready'>;
      const childPid = sup.status()[0]!.pid;

      const exited = sup.next((e) => e.type === 'spare-exit', startupDeadlineMs(1));
      const replaced = sup.next((e) => e.type === 'spare-ready' && e.pid !== first.pid, startupDeadlineMs(2));
      process.kill(first.pid, 'SIGKILL');
      expect(await exited).toMatchObject({ pid: first.pid, signal: 'SIGKILL', expected: false });
      await replaced;
      expect(sup.status()[0]).toMatchObject({ pid: childPid, running: true, restarts: 0, promotions: 0 });
      expect(events.some((e) => e.type === 'gave-up' || e.type === 'restart-scheduled')).toBe(false);

      await sup.stopAll();
      for (const pid of pidsOf(events)) expect(isRunning(pid)).toBe(false);
    } finally {
      await sup.stopAll();
    }
  });

  it('backs off and gives up on a crash loop even while spares are ready', async () => {
    const sup = new Supervisor({
      initialDelayMs: 10,
      maxRestarts: 3,
      stableAfterMs: 60_000,
      stdio: 'ignore',
    });
    const events = recorder(sup);
    try {
      sup.start({ name: 'looper', args: IDLE_CHILD, warmSpare: true });
      for (let crash = 1; crash <= 4; crash++) {
        // Each crash meets a ready spare: the running child has started and its spare has loaded.
        const ready = () => {
          const s = sup.status()[0]!;
          return s.running && s.spare?.ready === true;
        };
        expect(await until(ready, startupDeadlineMs(2))).toBe(true);
        const after =
          crash <= 3
            ? sup.next((e) => e.type === 'spawn' && e.restarts === crash, startupDeadlineMs(1))
            : sup.next((e) => e.type === 'gave-up', startupDeadlineMs(1));
        sup.kill('looper', 'SIGKILL');
        await after;
      }
      const delays = events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
      // The first restart promotes at once; those that follow wait their growing delay, then promote.
      expect(delays).toEqual([0, 20, 40]);
      const restarts = events.filter((e): e is Of<'spawn'> => e.type === 'spawn' && e.restarts > 0);
      expect(restarts.map((e) => e.promoted)).toEqual([true, true, true]);
      expect(sup.status()[0]).toMatchObject({ running: false, restarts: 3, promotions: 3 });
      // Nothing is left to promote to: the spare of a child given up on is stopped.
      expect(await until(() => sup.status()[0]!.spare?.pid === undefined, startupDeadlineMs(1))).toBe(true);

      await sup.stopAll();
      for (const pid of pidsOf(events)) expect(isRunning(pid)).toBe(false);
    } finally {
      await sup.stopAll();
    }
  });

  it('a child that crashes before it has started gets no spare and backs off as without one', async () => {
    const sup = new Supervisor({ initialDelayMs: 10, maxRestarts: 3, stdio: 'ignore' });
    const events = recorder(sup);
    const gaveUp = sup.next((e) => e.type === 'gave-up', startupDeadlineMs(2));
    sup.start({ name: 'early-crasher', args: ['-e', 'process.exit(3)'], warmSpare: true });
    await gaveUp;
    expect(events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []))).toEqual([10, 20, 40]);
    expect(events.some((e) => e.type === 'spare-ready' || e.type === 'spare-exit')).toBe(false);
    await sup.stopAll();
  });

  it('a spare exits when its supervisor is killed', async () => {
    const script = `
      const { Supervisor } = await import(${JSON.stringify(SUPERVISOR_JS)});
      const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'ignore'] });
      sup.on((e) => {
        if (e.type === 'spawn') process.stdout.write('child ' + e.pid + '\\n');
        if (e.type === 'spare-ready') process.stdout.write('spare ' + e.pid + '\\n');
      });
      sup.start({ name: 'orphan', args: ${JSON.stringify(IDLE_CHILD)}, warmSpare: true });
      setInterval(() => {}, 1000);`;
    const { proc: parent, output } = spawnScript(script);
    let sparePid = 0;
    try {
      expect(await until(() => /spare \d+/.test(output()), startupDeadlineMs(2))).toBe(true);
      sparePid = Number(/spare (\d+)/.exec(output())![1]);
      parent.kill('SIGKILL');
      await exitOf(parent);
      expect(await until(() => !isRunning(sparePid), startupDeadlineMs(1))).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      if (sparePid && isRunning(sparePid)) process.kill(sparePid, 'SIGKILL');
      // The idle child has no parent watch of its own: end it here.
      const childPid = Number(/child (\d+)/.exec(output())?.[1] ?? 0);
      if (childPid && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    }
  });
});
