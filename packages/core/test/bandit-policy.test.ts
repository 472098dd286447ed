import { describe, expect, it } from 'vitest';
import { BANDIT_ARMS, createBanditPolicy, createWindowPolicy, type WindowFeatures } from '../src/index.js';

const base: WindowFeatures = { acceptance: 0.8, lastAcceptance: 1, lastWindow: 4 };

/** Runs a bandit against rounds whose tokens per ms depend on the window only. */
function run(rate: (w: number) => number, rounds: number, seedArms = BANDIT_ARMS) {
  const p = createBanditPolicy({ arms: seedArms });
  let now = 0;
  let committed = 0;
  const picks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const w = p.nextWindow({ ...base, nowMs: now, committed });
    picks.push(w);
    // Every round lasts 10 ms; the tokens it commits follow the window's rate.
    now += 10;
    committed += rate(w) * 10;
  }
  return picks;
}

describe('bandit window policy', () => {
  it('tries every window once, in order, before choosing', () => {
    expect(run(() => 1, BANDIT_ARMS.length)).toEqual([...BANDIT_ARMS]);
  });

  it('settles on the window with the most tokens per ms, plain steps included', () => {
    const plainWins = run((w) => (w === 0 ? 0.3 : 0.1), 200);
    expect(plainWins.slice(-50).filter((w) => w === 0).length).toBeGreaterThan(40);
    const sixWins = run((w) => (w === 6 ? 0.5 : 0.2), 200);
    expect(sixWins.slice(-50).filter((w) => w === 6).length).toBeGreaterThan(40);
  });

  it('follows a change of load (discounted memory)', () => {
    const p = createBanditPolicy();
    let now = 0;
    let committed = 0;
    const picks: number[] = [];
    for (let i = 0; i < 400; i++) {
      const w = p.nextWindow({ ...base, nowMs: now, committed });
      picks.push(w);
      const busy = i >= 200;
      now += 10;
      committed += (busy ? (w === 0 ? 0.3 : 0.1) : w === 8 ? 0.5 : 0.2) * 10;
    }
    expect(picks.slice(150, 200).filter((w) => w === 8).length).toBeGreaterThan(35);
    expect(picks.slice(350).filter((w) => w === 0).length).toBeGreaterThan(35);
  });

  it('is built by createWindowPolicy and rejects bad arms', () => {
    expect(createWindowPolicy({ policy: 'bandit' }).name).toBe('bandit');
    expect(() => createBanditPolicy({ arms: [1, 1] })).toThrow(/distinct/);
    expect(() => createBanditPolicy({ arms: [] })).toThrow(/arms/);
    expect(() => createBanditPolicy({ discount: 0 })).toThrow(/discount/);
  });
});
