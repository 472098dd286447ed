/**
 * Reads a scenario from YAML or JSON text (or a file) and validates it against `ScenarioSchema`, then
 * checks what the schema cannot say (ranges in order, enough trace arrivals). Every failure is a
 * `ConfigError` whose message names the field, e.g. `targets.batching.maxJobs`.
 */
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '@specmesh/protocol';
import { parse } from 'yaml';
import { type Dist, type Scenario, ScenarioSchema } from './scenario-schema.js';

function fieldOf(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
}

function fail(source: string, field: string, message: string): never {
  throw new ConfigError(`scenario ${source}: ${field}: ${message}`, { context: { field } });
}

function checkDist(source: string, field: string, d: Dist) {
  if (d.dist === 'uniform' && d.min > d.max) fail(source, `${field}.min`, `must be <= max (${d.max})`);
  if (d.dist === 'lognormal' && d.min !== undefined && d.max !== undefined && d.min > d.max)
    fail(source, `${field}.min`, `must be <= max (${d.max})`);
}

/** Validates a parsed scenario object. `source` names it in error messages. */
export function validateScenario(value: unknown, source = 'scenario'): Scenario {
  if (!Value.Check(ScenarioSchema, value)) {
    // The deepest error is the most specific one (a union reports its own failure first).
    const errors = [...Value.Errors(ScenarioSchema, value)];
    const best = errors.reduce((a, b) => (b.path.length > a.path.length ? b : a), errors[0]!);
    fail(source, fieldOf(best.path), `${best.message}${best.value === undefined ? ' (missing)' : ''}`);
  }
  const s = value as Scenario;
  s.drafters.forEach((g, i) => {
    if (Array.isArray(g.oneWayMs) && g.oneWayMs[0] > g.oneWayMs[1])
      fail(source, `drafters.${i}.oneWayMs`, `range [${g.oneWayMs.join(', ')}] is reversed`);
  });
  checkDist(source, 'workload.promptTokens', s.workload.promptTokens);
  checkDist(source, 'workload.outputTokens', s.workload.outputTokens);
  const a = s.workload.arrival;
  if (a.process === 'closed-loop') checkDist(source, 'workload.arrival.thinkMs', a.thinkMs);
  if (a.process === 'trace' && a.arrivalsMs.length < s.workload.requests)
    fail(
      source,
      'workload.arrival.arrivalsMs',
      `holds ${a.arrivalsMs.length} arrivals, fewer than workload.requests (${s.workload.requests})`,
    );
  return s;
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new ConfigError(`scenario ${source}: not valid YAML or JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return validateScenario(value, source);
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read scenario file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseScenario(text, path);
}
