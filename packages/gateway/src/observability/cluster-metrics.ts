/**
 * The cluster's metrics on the gateway's `/metrics`: the gateway's own registries plus every actor's,
 * gathered over NATS. One `metrics.get` goes to `<p>.v2.metrics.get`; every actor answers with its
 * registry (prom-client JSON form, series labelled with `role` and `instance`), and the gateway keeps
 * the replies of a short window, stopping early once every instance of its membership view answered.
 * Replies are cached for `cacheMs`, and scrapes that arrive while a gathering runs share it, so a
 * Prometheus (or several) scraping every few seconds fans out at most once per interval. The
 * gateway's own figures are read fresh on every scrape.
 *
 * Merging: series of different instances stay apart thanks to their labels; a family whose type
 * differs from the one already seen under its name (a newer build renamed a metric's type), a type
 * this build does not know, and a series already present are left out and counted, so the page
 * always parses.
 */
import { performance } from 'node:perf_hooks';
import type { MetricFamily } from '@specmesh/protocol';
import type { Actor, MembershipView } from '@specmesh/runtime';
import { AggregatorRegistry, Counter, Gauge, type Registry } from 'prom-client';

/** How the gateway gathers the cluster's metrics. */
export interface ClusterMetricsOptions {
  /** How long replies to one `metrics.get` are waited for, ms. Defaults to 300. */
  windowMs?: number;
  /** Most replies kept from one gathering (instances beyond are missing from the page). Defaults to 512. */
  maxReplies?: number;
  /** How long one gathering's replies serve scrapes, ms; 0 gathers on every scrape. Defaults to 1000. */
  cacheMs?: number;
}

export interface ClusterMetricsConfig {
  readonly windowMs: number;
  readonly maxReplies: number;
  readonly cacheMs: number;
}

type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type FamilyJson = RegistryJson[number];

const KNOWN_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);

/** A wire family back in prom-client's JSON form (non-finite values as numbers again). */
function fromWire(f: MetricFamily): FamilyJson {
  return {
    name: f.name,
    help: f.help,
    type: f.type,
    aggregator: 'first',
    values: f.values.map((v) => ({
      value:
        v.value === 'NaN'
          ? Number.NaN
          : v.value === '+Inf'
            ? Number.POSITIVE_INFINITY
            : v.value === '-Inf'
              ? Number.NEGATIVE_INFINITY
              : v.value,
      labels: v.labels,
      ...(v.metricName ? { metricName: v.metricName } : {}),
    })),
  } as unknown as FamilyJson;
}

type DropReason = 'type_conflict' | 'unknown_type' | 'duplicate';

/**
 * Merges the families of several sources into one list: the first type seen under a name wins, each
 * series (name + labels) appears once. `drop` is told what was left out.
 */
export function mergeFamilies(
  sources: readonly RegistryJson[],
  drop: (reason: DropReason, n: number) => void = () => undefined,
): RegistryJson {
  const byName = new Map<string, { family: FamilyJson; seen: Set<string> }>();
  for (const source of sources) {
    for (const f of source) {
      if (!KNOWN_TYPES.has(String(f.type))) {
        drop('unknown_type', 1);
        continue;
      }
      let entry = byName.get(f.name);
      if (!entry) {
        entry = { family: { ...f, aggregator: 'first', values: [] } as FamilyJson, seen: new Set() };
        byName.set(f.name, entry);
      } else if (entry.family.type !== f.type) {
        drop('type_conflict', 1);
        continue;
      }
      for (const v of f.values) {
        const metricName = (v as { metricName?: string }).metricName ?? '';
        const key = `${metricName}\u0000${Object.keys(v.labels)
          .sort()
          .map((k) => `${k}=${String(v.labels[k])}`)
          .join('\u0000')}`;
        if (entry.seen.has(key)) {
          drop('duplicate', 1);
          continue;
        }
        entry.seen.add(key);
        (entry.family.values as unknown[]).push(v);
      }
    }
  }
  return [...byName.values()].map((e) => e.family);
}

export class ClusterMetrics {
  private readonly actor: Actor;
  private readonly view: MembershipView;
  private readonly local: readonly Registry[];
  private readonly config: ClusterMetricsConfig;
  private cached: { at: number; families: RegistryJson[] } | undefined;
  private pending: Promise<RegistryJson[]> | undefined;
  /** Gatherings sent (one `metrics.get` each). */
  readonly gatherings: Counter;
  /** Instances of the membership view that did not answer within the window, by role. */
  readonly missing: Counter<'role'>;
  /** Families or series left out of the page, by reason. */
  readonly dropped: Counter<'reason'>;
  /** Instances whose metrics the last gathering brought. */
  readonly instances: Gauge;
  /** How long the last gathering took, seconds. */
  readonly gatherSeconds: Gauge;

  /**
   * @param registry where the gatherer's own metrics go (one of `local`, normally).
   * @param local the gateway's own registries, read fresh on every scrape.
   */
  constructor(
    actor: Actor,
    view: MembershipView,
    local: readonly Registry[],
    config: ClusterMetricsConfig,
    registry: Registry,
  ) {
    this.actor = actor;
    this.view = view;
    this.local = local;
    this.config = config;
    const registers = [registry];
    this.gatherings = new Counter({
      name: 'specmesh_gateway_cluster_metrics_gatherings_total',
      help: 'metrics.get scatter-gathers sent to the cluster',
      registers,
    });
    this.missing = new Counter({
      name: 'specmesh_gateway_cluster_metrics_missing_total',
      help: 'Live instances whose metrics did not come within the window, by role',
      labelNames: ['role'],
      registers,
    });
    this.dropped = new Counter({
      name: 'specmesh_gateway_cluster_metrics_dropped_total',
      help: 'Metric families or series left out of /metrics (type conflict, unknown type, duplicate)',
      labelNames: ['reason'],
      registers,
    });
    this.instances = new Gauge({
      name: 'specmesh_gateway_cluster_metrics_instances',
      help: 'Instances whose metrics the last gathering brought',
      registers,
    });
    this.gatherSeconds = new Gauge({
      name: 'specmesh_gateway_cluster_metrics_gather_seconds',
      help: 'Duration of the last metrics gathering',
      registers,
    });
  }

  /** The cluster's metrics as Prometheus text. */
  async text(): Promise<string> {
    const remote = await this.remote();
    const local = await Promise.all(this.local.map((r) => r.getMetricsAsJSON()));
    const merged = mergeFamilies([...local, ...remote], (reason, n) => this.dropped.inc({ reason }, n));
    return AggregatorRegistry.aggregate([merged]).metrics();
  }

  /** The other instances' families: cached, or one gathering shared by concurrent scrapes. */
  private remote(): Promise<RegistryJson[]> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < this.config.cacheMs)
      return Promise.resolve(this.cached.families);
    this.pending ??= this.gather().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async gather(): Promise<RegistryJson[]> {
    if (this.actor.status !== 'running') return [];
    const started = performance.now();
    const expected = this.view.alive({ includeDraining: true }).filter((m) => m.id !== this.actor.id);
    const ids = new Set(expected.map((m) => m.id));
    this.gatherings.inc();
    const replies = await this.actor.requestMany(
      this.actor.subjects.metricsGet(),
      'metrics.get',
      {},
      {
        expect: 'metrics',
        windowMs: this.config.windowMs,
        maxReplies: this.config.maxReplies,
        // Every instance the gateway knows of answered: no need to wait out the window.
        enough: (got) => ids.size > 0 && got.filter((r) => ids.has(r.body.id)).length >= ids.size,
      },
    );
    const answered = new Set<string>();
    const families: RegistryJson[] = [];
    for (const r of replies) {
      // The gateway's own actor answers too; its registry is read locally.
      if (r.body.id === this.actor.id || answered.has(r.body.id)) continue;
      answered.add(r.body.id);
      families.push(r.body.families.map(fromWire));
    }
    for (const m of expected) if (!answered.has(m.id)) this.missing.inc({ role: m.role });
    this.instances.set(answered.size);
    this.gatherSeconds.set((performance.now() - started) / 1000);
    this.cached = { at: performance.now(), families };
    return families;
  }
}
