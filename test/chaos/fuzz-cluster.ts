/**
 * What the fuzz suite needs around a cluster of real role processes: launching `specmesh node`
 * processes that serve their metrics, noticing any exit, reading a process's
 * `specmesh_bad_messages_total{code}`, and asking the nats-server (its monitoring port) which
 * connections receive a subject, so the expected count of every refusal is known per process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from '../helpers/cli.js';
import { within } from '../helpers/within.js';

/** One `specmesh node` process. */
export interface RoleProcess {
  /** Instance id (`--name`), also its NATS connection name. */
  readonly name: string;
  readonly child: ChildProcess;
  /** Its `/metrics` endpoint. */
  readonly metricsUrl: string;
  /** Exits seen so far; a healthy process has none until the test stops it. */
  readonly exits: ReadonlyArray<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB it wrote to stderr (its logs). */
  stderrTail(): string;
  /** SIGTERM (graceful drain), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `specmesh node --role <role> --name <name> --metrics-port 0 ...args` and resolves once it
 * printed both its metrics URL and `ready`.
 */
export function startRoleProcess(
  role: string,
  name: string,
  args: readonly string[],
  timeoutMs = within(30_000),
): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'node', '--role', role, '--name', name, '--metrics-port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-16_000);
  });
  child.on('exit', (code, signal) => exits.push({ code, signal }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready within ${timeoutMs} ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${stderr.slice(-2000)}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const metrics = /^metrics (\S+)$/m.exec(stdout);
      if (!metrics || !/^ready /m.test(stdout)) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.on('exit', (code, signal) => exits.push({ code, signal }));
      resolve({
        name,
        child,
        metricsUrl: metrics[1]!,
        exits,
        stderrTail: () => stderr,
        stop: async (graceMs = 5000) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await gone;
          clearTimeout(kill);
        },
      });
    });
  });
}

/** Counts by `code` label of one counter in Prometheus text format (labels in any order). */
export function countsByCode(text: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const code = /(?:^|,)code="([^"]*)"/.exec(m[1]!)?.[1];
    if (code !== undefined) out.set(code, (out.get(code) ?? 0) + Number(m[2]));
  }
  return out;
}

/** `specmesh_bad_messages_total` of a process, by code. */
export async function scrapeBadMessages(metricsUrl: string): Promise<Map<string, number>> {
  const r = await fetch(metricsUrl);
  if (!r.ok) throw new Error(`${metricsUrl} answered ${r.status}`);
  return countsByCode(await r.text(), 'specmesh_bad_messages_total');
}

/** True when subscription `pattern` (with `*` and `>`) matches the literal `subject`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

interface ConnzSubscription {
  subject: string;
  qgroup?: string;
}

/** Every client connection's subscriptions, as the nats-server reports them (`/connz?subs=detail`). */
export class SubscriptionTable {
  private constructor(private readonly byConnection: ReadonlyMap<string, readonly ConnzSubscription[]>) {}

  /** Reads the table from the server's monitoring endpoint (`nats-server -m <port>`). */
  static async read(monitorUrl: string): Promise<SubscriptionTable> {
    const r = await fetch(`${monitorUrl}/connz?subs=detail&limit=1024`);
    const j = (await r.json()) as {
      connections: Array<{ name?: string; subscriptions_list_detail?: ConnzSubscription[] }>;
    };
    const map = new Map<string, ConnzSubscription[]>();
    for (const c of j.connections) {
      if (!c.name) continue;
      map.set(c.name, [...(map.get(c.name) ?? []), ...(c.subscriptions_list_detail ?? [])]);
    }
    return new SubscriptionTable(map);
  }

  /** Every subject the named connections subscribe to (patterns as given, replies' inboxes left out). */
  subjectsOf(only: ReadonlySet<string>): string[] {
    const out = new Set<string>();
    for (const [name, subs] of this.byConnection) {
      if (!only.has(name)) continue;
      for (const s of subs) if (!s.subject.startsWith('_INBOX.')) out.add(s.subject);
    }
    return [...out].sort();
  }

  /**
   * How many copies of a message on `subject` each named connection receives: one per matching
   * subscription, and one per queue group in all (the group must have a single member here, or which
   * member gets it would be unknown).
   */
  receivers(subject: string, only: ReadonlySet<string>): Map<string, number> {
    const out = new Map<string, number>();
    const groups = new Map<string, string[]>();
    for (const [name, subs] of this.byConnection) {
      for (const s of subs) {
        if (!subjectMatches(s.subject, subject)) continue;
        if (s.qgroup) groups.set(s.qgroup, [...(groups.get(s.qgroup) ?? []), name]);
        else if (only.has(name)) out.set(name, (out.get(name) ?? 0) + 1);
      }
    }
    for (const [group, members] of groups) {
      if (members.length !== 1)
        throw new Error(`queue group ${group} on ${subject} has ${members.length} members`);
      if (only.has(members[0]!)) out.set(members[0]!, (out.get(members[0]!) ?? 0) + 1);
    }
    return out;
  }
}
