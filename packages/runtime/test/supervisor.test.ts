import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { MembershipView } from '../src/membership.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';
import { startupDeadlineMs } from '../src/startup-deadline.js';
import { Supervisor, type SupervisorEvent } from '../src/supervisor.js';
import { ECHO_ACTOR_BIN, exitOf, isRunning, spawnScript, until } from './helpers.js';

const SUPERVISOR_JS = fileURLToPath(new URL('../dist/supervisor.js', import.meta.url));

describe('supervisor', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('restarts a crashed actor process, which rejoins the cluster', async () => {
    const observer = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    const view = new MembershipView().start(observer, 25);
    const sup = new Supervisor({ initialDelayMs: 50, stdio: 'ignore' });
    try {
      sup.start({ name: 'echo-sup', args: [ECHO_ACTOR_BIN, server.url, 'echo-sup', '100'] });
      await view.waitFor((ms) => ms.some((m) => m.id === 'echo-sup'), startupDeadlineMs(1));
      const firstStart = view.get('echo-sup')!.heartbeat.startedAt;
      const firstPid = sup.status()[0]!.pid;

      const respawned = sup.next((e) => e.type === 'spawn' && e.restarts === 1);
      expect(sup.kill('echo-sup', 'SIGKILL')).toBe(true);
      const ev = (await respawned) as Extract<SupervisorEvent, { type: 'spawn' }>;
      expect(ev.pid).not.toBe(firstPid);
      await view.waitFor(
        (ms) => ms.some((m) => m.id === 'echo-sup' && m.heartbeat.startedAt !== firstStart),
        startupDeadlineMs(1),
      );
      expect(sup.status()[0]).toMatchObject({ name: 'echo-sup', running: true, restarts: 1 });
    } finally {
      await sup.stopAll();
      view.stop();
      await observer.stop();
    }
  });

  it('backs off exponentially and gives up on a child that keeps crashing', async () => {
    const sup = new Supervisor({ initialDelayMs: 10, maxRestarts: 3, windowMs: 60_000, stdio: 'ignore' });
    const delays: number[] = [];
    sup.on((e) => {
      if (e.type === 'restart-scheduled') delays.push(e.delayMs);
    });
    const gaveUp = sup.next((e) => e.type === 'gave-up', 10_000);
    sup.start({ name: 'crasher', args: ['-e', 'process.exit(3)'] });
    await gaveUp;
    expect(delays).toEqual([10, 20, 40]);
    expect(sup.status()[0]).toMatchObject({ running: false, restarts: 3 });
    await sup.stopAll();
  });

  it('does not restart a child whose exit code says a restart cannot help', async () => {
    const sup = new Supervisor({ initialDelayMs: 10, stdio: 'ignore' });
    const gaveUp = sup.next((e) => e.type === 'gave-up');
    sup.start({ name: 'misconfigured', args: ['-e', 'process.exit(2)'], noRestartCodes: [2] });
    expect(await gaveUp).toMatchObject({ name: 'misconfigured', restarts: 0 });
    expect(sup.status()[0]).toMatchObject({ running: false, restarts: 0 });
    await sup.stopAll();
  });

  it('does not restart a child that exits cleanly under on-failure, nor one it stopped itself', async () => {
    const sup = new Supervisor({ initialDelayMs: 10, stdio: 'ignore' });
    const exited = sup.next((e) => e.type === 'exit');
    sup.start({ name: 'clean', args: ['-e', 'process.exit(0)'] });
    await exited;
    await new Promise((r) => setTimeout(r, 100));
    expect(sup.status()[0]).toMatchObject({ running: false, restarts: 0 });

    sup.start({ name: 'sleeper', args: ['-e', 'setTimeout(() => {}, 60000)'] });
    await sup.next((e) => e.type === 'spawn' && e.name === 'sleeper');
    await sup.stopChild('sleeper');
    expect(sup.status().find((s) => s.name === 'sleeper')).toBeUndefined();
    await sup.stopAll();
  });

  it('a child drains and exits when its supervisor is killed', async () => {
    // The supervisor runs in a process of its own, which the test SIGKILLs: no stopAll, no signal
    // forwarded, exactly what a killed `specmesh up` or test worker leaves behind.
    const script = `
      const { Supervisor } = await import(${JSON.stringify(SUPERVISOR_JS)});
      const sup = new Supervisor({ stdio: ['ignore', 'inherit', 'ignore'] });
      sup.on((e) => { if (e.type === 'spawn') process.stdout.write('child ' + e.pid + '\\n'); });
      sup.start({ name: 'orphan', args: [${JSON.stringify(ECHO_ACTOR_BIN)}, ${JSON.stringify(server.url)}, 'orphan', '100'] });
      setInterval(() => {}, 1000);`;
    const { proc: parent, output } = spawnScript(script);
    let childPid = 0;
    try {
      expect(await until(() => /child \d+[\s\S]*ready orphan/.test(output()), startupDeadlineMs(2))).toBe(
        true,
      );
      childPid = Number(/child (\d+)/.exec(output())![1]);
      expect(isRunning(childPid)).toBe(true);
      parent.kill('SIGKILL');
      await exitOf(parent);
      expect(await until(() => !isRunning(childPid), startupDeadlineMs(1))).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      if (childPid && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    }
  });
});
