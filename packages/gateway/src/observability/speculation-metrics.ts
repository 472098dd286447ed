/**
 * Speculation metrics per drafter-target pair, from the timelines drafters send with each finished
 * request: drafts sent and kept, accepted length and window per round, preempted (wasted) work,
 * re-issued tasks, and the health flag of {@link SpeculationHealth} (a gauge, and a log line on each
 * change).
 */
import type { SpeculationTrace } from '@specmesh/protocol';
import type { Logger } from '@specmesh/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SpeculationHealth, type SpeculationHealthConfig } from './speculation-health.js';

const LENGTH_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 64];

type Pair = 'drafter' | 'target';

export class SpeculationMetrics {
  readonly health: SpeculationHealth;
  readonly drafted: Counter<Pair>;
  readonly accepted: Counter<Pair>;
  readonly rounds: Counter<Pair>;
  readonly acceptedLength: Histogram<Pair>;
  readonly window: Histogram<Pair>;
  readonly preempted: Counter<'drafter'>;
  readonly wastedDrafts: Counter<'drafter'>;
  readonly reissued: Counter<'drafter' | 'reason'>;
  private readonly logger: Logger;

  constructor(registry: Registry, health: SpeculationHealthConfig, logger: Logger) {
    this.logger = logger;
    this.health = new SpeculationHealth(health);
    const registers = [registry];
    const pair: Pair[] = ['drafter', 'target'];
    this.drafted = new Counter({
      name: 'specmesh_speculation_drafted_tokens_total',
      help: 'Drafted tokens sent for verification and verified, per drafter-target pair',
      labelNames: pair,
      registers,
    });
    this.accepted = new Counter({
      name: 'specmesh_speculation_accepted_tokens_total',
      help: 'Drafted tokens the target accepted, per drafter-target pair',
      labelNames: pair,
      registers,
    });
    this.rounds = new Counter({
      name: 'specmesh_speculation_rounds_total',
      help: 'Verified speculation rounds (tasks with a verdict), per drafter-target pair',
      labelNames: pair,
      registers,
    });
    this.acceptedLength = new Histogram({
      name: 'specmesh_speculation_accepted_length',
      help: 'Drafts kept per verified round',
      labelNames: pair,
      buckets: LENGTH_BUCKETS,
      registers,
    });
    this.window = new Histogram({
      name: 'specmesh_speculation_window',
      help: 'Window (drafts per verification task) chosen per verified round',
      labelNames: pair,
      buckets: LENGTH_BUCKETS,
      registers,
    });
    this.preempted = new Counter({
      name: 'specmesh_speculation_preempted_tasks_total',
      help: 'Verification tasks preempted because the drafts they depended on were rejected',
      labelNames: ['drafter'],
      registers,
    });
    this.wastedDrafts = new Counter({
      name: 'specmesh_speculation_wasted_draft_tokens_total',
      help: 'Drafted tokens in preempted tasks (target work thrown away)',
      labelNames: ['drafter'],
      registers,
    });
    this.reissued = new Counter({
      name: 'specmesh_speculation_reissued_tasks_total',
      help: 'Verification tasks re-issued after a failure or timeout',
      labelNames: ['drafter', 'reason'],
      registers,
    });
    const figures = () => this.health.all();
    new Gauge({
      name: 'specmesh_speculation_acceptance_rate',
      help: 'Acceptance rate over the last rounds of a drafter-target pair',
      labelNames: pair,
      registers,
      collect() {
        for (const f of figures()) this.set({ drafter: f.drafter, target: f.target }, f.acceptance);
      },
    });
    new Gauge({
      name: 'specmesh_speculation_tokens_per_round',
      help: 'Tokens per target verification call over the last rounds of a pair (best-case speedup)',
      labelNames: pair,
      registers,
      collect() {
        for (const f of figures()) this.set({ drafter: f.drafter, target: f.target }, f.tokensPerRound);
      },
    });
    new Gauge({
      name: 'specmesh_speculation_unhealthy',
      help: '1 when a drafter-target pair fell below the speculation health thresholds',
      labelNames: pair,
      registers,
      collect() {
        for (const f of figures()) this.set({ drafter: f.drafter, target: f.target }, f.healthy ? 0 : 1);
      },
    });
  }

  /** Books a finished request's timeline. */
  record(trace: SpeculationTrace): void {
    const drafter = trace.drafterId;
    for (const s of trace.spans) {
      if (s.kind !== 'verify') continue;
      if (s.outcome === 'preempted') {
        this.preempted.inc({ drafter });
        this.wastedDrafts.inc({ drafter }, s.n);
        continue;
      }
      if (s.outcome === 'failed' || s.outcome === 'timeout') {
        this.reissued.inc({ drafter, reason: s.outcome });
        continue;
      }
      // Plain target steps (no drafts) say nothing about speculation.
      if (s.verifierId === undefined || s.accepted === undefined || s.n === 0) continue;
      const labels = { drafter, target: s.verifierId };
      this.drafted.inc(labels, s.n);
      this.accepted.inc(labels, s.accepted);
      this.rounds.inc(labels);
      this.acceptedLength.observe(labels, s.accepted);
      this.window.observe(labels, s.n);
      const change = this.health.observe(drafter, s.verifierId, s.n, s.accepted);
      if (change && !change.healthy) {
        this.logger.warn(
          { ...change, thresholds: this.health.config },
          'speculation no longer pays for this drafter-target pair',
        );
      } else if (change) {
        this.logger.info({ ...change }, 'speculation healthy again for this drafter-target pair');
      }
    }
  }
}
