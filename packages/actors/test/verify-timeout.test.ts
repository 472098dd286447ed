import { describe, expect, it } from 'vitest';
import { expectedFirstRoundMs, UNMEASURED_NETWORK_RTT_MS } from '../src/session/first-round-estimate.js';
import { VerifyTimeout } from '../src/session/verify-timeout.js';

describe('verify timeout (RFC 6298 over measured round trips)', () => {
  it('starts at the ceiling, before anything was measured', () => {
    expect(new VerifyTimeout({ minMs: 500, maxMs: 10_000 }).current()).toBe(10_000);
  });

  it('follows srtt + 4·rttvar once round trips are known', () => {
    const t = new VerifyTimeout({ minMs: 10, maxMs: 10_000 });
    t.observe(100); // srtt 100, rttvar 50
    expect(t.current()).toBe(300);
    t.observe(200); // rttvar 0.75·50 + 0.25·100 = 62.5; srtt 0.875·100 + 0.125·200 = 112.5
    expect(t.current()).toBeCloseTo(112.5 + 4 * 62.5, 9);
    expect(t.smoothedMs).toBeCloseTo(112.5, 9);
  });

  it('stays within its floor and ceiling', () => {
    const fast = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    for (let i = 0; i < 50; i++) fast.observe(20);
    expect(fast.current()).toBe(500);
    const slow = new VerifyTimeout({ minMs: 500, maxMs: 2000 });
    slow.observe(5000);
    expect(slow.current()).toBe(2000);
  });

  it('a loaded pool raises the timeout with it, so slow results are not re-issued', () => {
    const t = new VerifyTimeout({ minMs: 100, maxMs: 60_000 });
    for (let i = 0; i < 20; i++) t.observe(50);
    const before = t.current();
    for (let i = 0; i < 20; i++) t.observe(400);
    expect(t.current()).toBeGreaterThan(400);
    expect(t.current()).toBeGreaterThan(before);
  });

  it('a seed from the cluster replaces the ceiling until the first sample', () => {
    const t = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    t.seed(400); // srtt 400, rttvar 200
    expect(t.current()).toBe(1200);
    t.observe(100); // the session's own first sample replaces the seed (RFC 6298: R, R/2)
    expect(t.current()).toBe(500);
    t.seed(5000); // ignored once measured
    expect(t.current()).toBe(500);
  });

  it('a small seed is raised to the floor; a missing one keeps the ceiling', () => {
    const t = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    t.seed(3);
    expect(t.current()).toBe(500);
    const none = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    none.seed(undefined);
    expect(none.current()).toBe(10_000);
  });

  it('each timeout doubles the value until a result is measured, up to the ceiling', () => {
    const t = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    t.seed(10);
    t.backOff(0);
    expect(t.current()).toBe(1000);
    t.backOff(600); // the re-issue's own timeout, after the first value (500 ms)
    expect(t.current()).toBe(2000);
    for (let i = 1; i <= 10; i++) t.backOff(600 + i * 20_000);
    expect(t.current()).toBe(10_000);
    t.observe(20);
    expect(t.current()).toBe(500);
  });
});

describe('verify timeout back-off', () => {
  it('tasks that time out together double it once', () => {
    const t = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    t.seed(10);
    t.backOff(1000);
    t.backOff(1001);
    t.backOff(1002);
    expect(t.current()).toBe(1000);
  });
});

describe('expected first round from the cluster figures', () => {
  it('network round trip plus the target step, times the work queued ahead per slot', () => {
    expect(expectedFirstRoundMs({ networkRttMs: 4, target: { stepMs: 30, lanes: 1, sessions: 0 } })).toBe(34);
    expect(
      expectedFirstRoundMs({ networkRttMs: 4, target: { stepMs: 30, lanes: 1, sessions: 0 }, queueUtil: 2 }),
    ).toBe(94);
  });

  it('a batching target prices the first task by its positions (the prompt it prefills)', () => {
    const batchCost = { baseMs: 30, perPositionMs: 0.15, kneePositions: 32 };
    const ms = expectedFirstRoundMs({
      networkRttMs: 2,
      target: { stepMs: 30, lanes: 1, sessions: 0, batchCost },
      positions: 64,
    });
    expect(ms).toBeCloseTo(2 + 69.3, 6);
  });

  it('no figure at all: no estimate (the timeout keeps its ceiling); no target: the network alone', () => {
    expect(expectedFirstRoundMs({ networkRttMs: undefined })).toBeUndefined();
    expect(expectedFirstRoundMs({ networkRttMs: 7 })).toBe(7);
  });

  it('a host that measured no round trip yet (just restarted) assumes a slow network, not the ceiling', () => {
    const target = { stepMs: 30, lanes: 1, sessions: 0 };
    expect(expectedFirstRoundMs({ networkRttMs: undefined, target })).toBe(UNMEASURED_NETWORK_RTT_MS + 30);
  });
});
