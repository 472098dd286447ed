import { describe, expect, it } from 'vitest';
import { ErrorCode, SpecmeshError } from '../src/errors.js';
import { createSubjects, hostOfSubject, inboxPrefix } from '../src/subjects.js';

describe('subjects', () => {
  it('builds every subject of the design table under the default prefix', () => {
    const s = createSubjects();
    expect(s.submit()).toBe('specmesh.v2.sched.submit');
    expect(s.session('drafter-1')).toBe('specmesh.v2.session.drafter-1');
    expect(s.verify('pool-a', 'drafter-1')).toBe('specmesh.v2.verify.pool-a.drafter-1');
    expect(s.verifyPool('pool-a')).toBe('specmesh.v2.verify.pool-a.*');
    expect(s.batch('v1')).toBe('specmesh.v2.batch.v1');
    expect(s.result('drafter-1', 'sess-9')).toBe('specmesh.v2.result.drafter-1.sess-9');
    expect(s.preempt('drafter-1', 'sess-9')).toBe('specmesh.v2.preempt.drafter-1.sess-9');
    expect(s.preemptAll()).toBe('specmesh.v2.preempt.*.*');
    expect(s.tokens('gw-1', 'drafter-1', 'req-3')).toBe('specmesh.v2.tokens.gw-1.drafter-1.req-3');
    expect(s.tokensOf('gw-1', 'req-3')).toBe('specmesh.v2.tokens.gw-1.*.req-3');
    expect(s.heartbeat('verifier', 'v1')).toBe('specmesh.v2.hb.verifier.v1');
    expect(s.heartbeatAll()).toBe('specmesh.v2.hb.>');
    expect(s.heartbeatAll('drafter')).toBe('specmesh.v2.hb.drafter.*');
    expect(s.control('verifier-1')).toBe('specmesh.v2.ctl.verifier-1');
    expect(s.metricsGet()).toBe('specmesh.v2.metrics.get');
  });

  it('honours a custom prefix and version', () => {
    const s = createSubjects({ prefix: 'acme.prod', version: 3 });
    expect(s.submit()).toBe('acme.prod.v3.sched.submit');
  });

  it('reads the host instance a scoped subject names, and nothing else', () => {
    const s = createSubjects({ prefix: 'acme.prod' });
    expect(hostOfSubject(s, s.verify('pool-a', 'drafter-1'))).toBe('drafter-1');
    expect(hostOfSubject(s, s.result('verifier-2', 'sess-9'))).toBe('verifier-2');
    expect(hostOfSubject(s, s.preempt('drafter-1', 'sess-9'))).toBe('drafter-1');
    expect(hostOfSubject(s, s.tokens('gw-1', 'drafter-3', 'req-3'))).toBe('drafter-3');
    for (const other of [
      s.session('drafter-1'),
      s.batch('v1'),
      s.submit(),
      'acme.prod.v2.verify.pool-a',
      'acme.prod.v2.tokens.gw-1.req-3',
      'specmesh.v2.verify.pool-a.drafter-1',
    ])
      expect(() => hostOfSubject(s, other), other).toThrow(SpecmeshError);
  });

  it('gives each instance its own inbox subtree under its role', () => {
    expect(inboxPrefix('gateway')).toBe('_INBOX.gateway');
    expect(inboxPrefix('gateway', 'gw-1')).toBe('_INBOX.gateway.gw-1');
    expect(() => inboxPrefix('gateway', 'a.b')).toThrow(SpecmeshError);
  });

  it.each(['', 'a.b', 'a b', '*', '>', 'x>', 'tab\t', 'ü', 'x'.repeat(129)])(
    'refuses the token %j so ids cannot widen or reshape a subject',
    (bad) => {
      const s = createSubjects();
      try {
        s.session(bad);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(SpecmeshError);
        expect((err as SpecmeshError).code).toBe(ErrorCode.Subject);
      }
    },
  );

  it('refuses a bad prefix or version up front', () => {
    expect(() => createSubjects({ prefix: 'a..b' })).toThrow(/prefix/);
    expect(() => createSubjects({ prefix: 'a.*' })).toThrow(/prefix/);
    expect(() => createSubjects({ version: 0 })).toThrow(/version/);
  });
});
