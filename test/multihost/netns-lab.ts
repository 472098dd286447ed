/**
 * "Machines" for multi-host tests: Linux network namespaces with their own addresses, joined by veth
 * pairs to a bridge that lives in a namespace of the lab's own (the root namespace's network is never
 * touched). Processes run inside a host with `ip netns exec`. Every name carries the test's pid, so
 * parallel runs do not collide; {@link NetnsLab.destroy} kills every process in the lab's namespaces
 * and deletes them, and is safe to call after a failed {@link NetnsLab.create}.
 *
 * @example
 *   const lab = await NetnsLab.create(['cloud', 'edge1']);
 *   try { lab.spawn('cloud', 'nats-server', ['-a', lab.address('cloud')]); } finally { await lab.destroy(); }
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { within } from '../helpers/within.js';

/** Why multi-host tests cannot run here, or undefined when they can. */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'multi-host tests need Linux network namespaces';
  if (process.getuid?.() !== 0)
    return 'multi-host tests need root (ip netns add); run the suite as root to include them';
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return 'multi-host tests need the `ip` command (apt-get install iproute2)';
  const probe = `smprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace here: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export interface LabProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** Resolves when `pattern` appears in the output; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once the process ends. */
  exited(): Promise<number | null>;
}

export class NetnsLab {
  private readonly procs: ChildProcess[] = [];
  private readonly made: string[] = [];

  private constructor(
    /** Name prefix of everything this lab creates. */
    readonly tag: string,
    readonly hosts: readonly string[],
    /** First three octets of the lab's /24. */
    private readonly subnet: string,
  ) {}

  /**
   * Creates a hub namespace with a bridge and one namespace per host, each with `eth0` on the bridge
   * at `<subnet>.<index + 1>/24` and its own loopback up. Defaults to subnet 10.77.0.
   */
  static async create(hosts: readonly string[], subnet = '10.77.0'): Promise<NetnsLab> {
    const lab = new NetnsLab(`sm${process.pid}`, hosts, subnet);
    try {
      const hub = lab.ns('hub');
      lab.addNs(hub);
      ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', hub, 'link', 'set', 'br0', 'up');
      hosts.forEach((host, i) => {
        const ns = lab.ns(host);
        lab.addNs(ns);
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        // The veth pair is born in the hub, its far end moved into the host as eth0.
        ip('-n', hub, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        ip('-n', hub, 'link', 'set', `p${i}`, 'master', 'br0');
        ip('-n', hub, 'link', 'set', `p${i}`, 'up');
        ip('-n', ns, 'addr', 'add', `${lab.address(host)}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
      });
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Namespace name of a host (or of the hub). */
  ns(host: string): string {
    return `${this.tag}-${host}`;
  }

  /** The host's address on the lab network. */
  address(host: string): string {
    const i = this.hosts.indexOf(host);
    if (i < 0) throw new Error(`no host ${host} in this lab`);
    return `${this.subnet}.${i + 1}`;
  }

  private addNs(name: string) {
    ip('netns', 'add', name);
    this.made.push(name);
  }

  /** Starts `command` inside `host`; the lab kills it on destroy. */
  spawn(host: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LabProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.procs.push(child);
    let out = '';
    const listeners = new Set<() => void>();
    const take = (d: Buffer) => {
      out = (out + d.toString()).slice(-65_536);
      for (const l of listeners) l();
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      child,
      output: () => out,
      exited: () => exit,
      waitFor: (pattern, timeoutMs = within(20_000)) =>
        new Promise<void>((resolve, reject) => {
          const done = (err?: Error) => {
            listeners.delete(check);
            clearTimeout(timer);
            if (err) reject(err);
            else resolve();
          };
          const check = () => {
            if (pattern.test(out)) done();
          };
          const timer = setTimeout(
            () =>
              done(
                new Error(
                  `${command} in ${host}: no ${pattern} within ${timeoutMs} ms:\n${out.slice(-2000)}`,
                ),
              ),
            timeoutMs,
          );
          listeners.add(check);
          void exit.then((code) =>
            done(new Error(`${command} in ${host} exited with ${code}:\n${out.slice(-2000)}`)),
          );
          check();
        }),
    };
  }

  /** Runs `command` inside `host` to completion; resolves with its exit code and output. */
  async run(
    host: string,
    command: string,
    args: readonly string[],
    timeoutMs = within(30_000),
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    this.procs.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, stdout, stderr };
  }

  /** Kills every process of the lab (and any other process left in its namespaces), then deletes them. */
  async destroy(): Promise<void> {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of this.made) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(
      this.procs.map((p) =>
        p.exitCode === null && p.signalCode === null
          ? new Promise((r) => {
              p.once('exit', r);
              setTimeout(r, 2000).unref();
            })
          : undefined,
      ),
    );
    // Deleting the hub removes the bridge and every veth pair with it.
    for (const ns of [...this.made].reverse()) spawnSync('ip', ['netns', 'del', ns]);
    this.made.length = 0;
  }
}
