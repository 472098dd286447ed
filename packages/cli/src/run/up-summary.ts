/**
 * The line `specmesh up` prints when Ctrl-C or SIGTERM stops a serving cluster: how long it served,
 * the requests and tokens its gateway counted (its /metrics) and how often a role process had to be
 * restarted. A Ctrl-C in a terminal reaches the role processes at the same moment as `up`, so the
 * gateway may be gone before `up` can ask it: `up` reads the counts every few seconds while serving
 * and falls back on the last reading.
 */
import { readFileSync } from 'node:fs';

/** What `up` knows on stopping. */
export interface UpStopSummary {
  readonly uptimeS: number;
  /** Generation requests the gateway answered; null when its metrics could not be read. */
  readonly requests: number | null;
  /** Completion tokens the gateway streamed; null when its metrics could not be read. */
  readonly tokens: number | null;
  /** Role processes that exited unexpectedly and were restarted. */
  readonly restarts: number;
}

/**
 * Sum of the samples of counter `name` in Prometheus text whose labels include `labels`
 * (e.g. `{ kind: 'completion' }`); undefined when there is no such sample.
 */
export function sumSamples(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (wanted && Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** The first key of an API key file (one a line, `#` comments), as the gateway reads it. */
function firstApiKey(path: string): string | undefined {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('#'));
}

/** Requests and completion tokens from the gateway at `baseUrl`, or nulls when it does not answer in time. */
export async function gatewayCounts(
  baseUrl: string,
  apiKeyFile: string | undefined,
  timeoutMs = 2000,
): Promise<GatewayCounts> {
  try {
    const key = apiKeyFile ? firstApiKey(apiKeyFile) : undefined;
    const res = await fetch(`${baseUrl}/metrics`, {
      signal: AbortSignal.timeout(timeoutMs),
      ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}),
    });
    if (!res.ok) return { requests: null, tokens: null };
    const text = await res.text();
    return {
      requests: sumSamples(text, 'specmesh_gateway_requests_total') ?? 0,
      tokens: sumSamples(text, 'specmesh_gateway_tokens_total', { kind: 'completion' }) ?? 0,
    };
  } catch {
    // A summary without counts beats a stop that hangs or fails on a gateway already going down.
    return { requests: null, tokens: null };
  }
}

export interface GatewayCounts {
  readonly requests: number | null;
  readonly tokens: number | null;
}

/** Reads the gateway's counts every `everyMs` until stopped; `final()` tries once more, briefly. */
export function watchGatewayCounts(
  baseUrl: string,
  apiKeyFile: string | undefined,
  everyMs = 5000,
): { final(): Promise<GatewayCounts>; stop(): void } {
  let last: GatewayCounts = { requests: null, tokens: null };
  const read = async (timeoutMs: number) => {
    const now = await gatewayCounts(baseUrl, apiKeyFile, timeoutMs);
    if (now.requests !== null) last = now;
    return last;
  };
  const timer = setInterval(() => void read(2000), everyMs);
  timer.unref();
  return {
    final: () => {
      clearInterval(timer);
      return read(500);
    },
    stop: () => clearInterval(timer),
  };
}

/** `1h02m03s`, `2m05s`, `9s`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = `${String(s % 60).padStart(h > 0 || m > 0 ? 2 : 1, '0')}s`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${rest}`;
  return m > 0 ? `${m}m${rest}` : rest;
}

/** `1 request`, `1,024 requests`, `requests: unknown`. */
function count(n: number | null, one: string, many: string): string {
  if (n === null) return `${many}: unknown`;
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export function formatStopSummary(s: UpStopSummary): string {
  return `• stopped after ${formatUptime(s.uptimeS)}: ${count(s.requests, 'request', 'requests')} served, ${count(s.tokens, 'token', 'tokens')} generated, ${count(s.restarts, 'role restart', 'role restarts')}`;
}
