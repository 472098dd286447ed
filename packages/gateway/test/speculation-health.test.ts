import { describe, expect, it } from 'vitest';
import { resolveGatewayOptions } from '../src/gateway-options.js';
import { SpeculationHealth } from '../src/observability/speculation-health.js';

const config = { minAcceptance: 0.5, minTokensPerRound: 2, window: 4, minRounds: 2 };

describe('SpeculationHealth', () => {
  it('flags a pair only after minRounds, when acceptance falls below the threshold, and clears it', () => {
    const h = new SpeculationHealth(config);
    expect(h.observe('d0', 'v0', 4, 0)).toBeUndefined();
    const bad = h.observe('d0', 'v0', 4, 0);
    expect(bad).toMatchObject({ drafter: 'd0', target: 'v0', healthy: false, acceptance: 0, rounds: 2 });
    expect(h.observe('d0', 'v0', 4, 0)).toBeUndefined(); // no change, no report
    // The window forgets the bad rounds: four good ones later the pair is healthy again.
    let last: ReturnType<SpeculationHealth['observe']>;
    for (let i = 0; i < 4; i++) last = h.observe('d0', 'v0', 4, 4) ?? last;
    // It turns healthy once half the window's drafts are accepted (threshold 0.5, inclusive)...
    expect(last).toMatchObject({ healthy: true, acceptance: 0.5, tokensPerRound: 3 });
    // ...and once the window holds only good rounds the figures are the good ones alone.
    expect(h.all()[0]).toMatchObject({ healthy: true, acceptance: 1, tokensPerRound: 5, rounds: 4 });
  });

  it('flags on tokens per round too, and keeps pairs apart', () => {
    const h = new SpeculationHealth({ ...config, minAcceptance: 0 });
    h.observe('d0', 'v0', 1, 0);
    expect(h.observe('d0', 'v0', 1, 0)?.healthy).toBe(false); // one token per target call: no gain
    h.observe('d0', 'v1', 4, 3);
    h.observe('d0', 'v1', 4, 3);
    const byTarget = Object.fromEntries(h.all().map((p) => [p.target, p.healthy]));
    expect(byTarget).toEqual({ v0: false, v1: true });
  });

  it('is configured through the gateway options, validated eagerly', () => {
    expect(resolveGatewayOptions({ servers: 'nats://x' }).speculationHealth).toEqual({
      minAcceptance: 0.3,
      minTokensPerRound: 1.2,
      window: 64,
      minRounds: 16,
    });
    expect(() =>
      resolveGatewayOptions({ servers: 'nats://x', speculationHealth: { minAcceptance: 2 } }),
    ).toThrow(/speculationHealth.minAcceptance/);
    expect(() =>
      resolveGatewayOptions({ servers: 'nats://x', speculationHealth: { window: 4, minRounds: 8 } }),
    ).toThrow(/speculationHealth.minRounds/);
  });
});
