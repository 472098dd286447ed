import { describe, expect, it } from 'vitest';
import { type AccountUser, renderAccounts } from '../src/nats-accounts.js';

const user = (name: string): AccountUser => ({
  user: name,
  passwordEnv: `PW_${name.toUpperCase()}`,
  publish: [`a.${name}`],
  subscribe: [`b.${name}`],
  allowResponses: false,
});

describe('renderAccounts', () => {
  it('writes each account with its users, and a subject exported to several accounts once', () => {
    const text = renderAccounts(
      [
        { name: 'CLOUD', users: [user('x')] },
        { name: 'SITE_1', users: [user('s1')], comment: 'site one' },
        { name: 'SITE_2', users: [user('s2')] },
      ],
      ['header'],
      [
        { from: 'CLOUD', to: 'SITE_1', streams: ['hb.v.*'], services: ['ping.*'] },
        { from: 'CLOUD', to: 'SITE_2', streams: ['hb.v.*'], services: [] },
        { from: 'SITE_1', to: 'CLOUD', streams: ['verify.*.s1'], services: ['session.s1'] },
      ],
    );
    expect(text).toContain('{stream: "hb.v.*", accounts: [SITE_1, SITE_2]}');
    expect(text).toContain('{service: "ping.*", accounts: [SITE_1]}');
    expect(text).toContain('{stream: {account: SITE_1, subject: "verify.*.s1"}}');
    expect(text).toContain('{service: {account: CLOUD, subject: "ping.*"}}');
    expect(text).toContain('  # site one\n  SITE_1 {');
    expect(text.match(/hb\.v\.\*/g)).toHaveLength(3);
  });

  it.each([
    [
      [
        { name: 'A', users: [user('x')] },
        { name: 'A', users: [] },
      ],
      [],
      /named twice/,
    ],
    [[{ name: 'A B', users: [] }], [], /not a plain token/],
    [[{ name: 'A', users: [user('x'), user('x')] }], [], /user x is named twice/],
    [[{ name: 'A', users: [] }], [{ from: 'A', to: 'B', streams: ['s'], services: [] }], /account B/],
    [
      [
        { name: 'A', users: [] },
        { name: 'B', users: [] },
      ],
      [{ from: 'A', to: 'B', streams: ['s t'], services: [] }],
      /not plain/,
    ],
  ])('refuses what would not read back as written (%#)', (accounts, links, why) => {
    expect(() => renderAccounts(accounts, [], links)).toThrow(why);
  });
});
