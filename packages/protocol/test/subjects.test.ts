import { describe, expect, it } from 'vitest';
import { ErrorCode, SpecmeshError } from '../src/errors.js';
import { createSubjects } from '../src/subjects.js';

describe('subjects', () => {
  it('builds every subject of the design table under the default prefix', () => {
    const s = createSubjects();
    expect(s.submit()).toBe('specmesh.v1.sched.submit');
    expect(s.session('drafter-1')).toBe('specmesh.v1.session.drafter-1');
    expect(s.verify('pool-a')).toBe('specmesh.v1.verify.pool-a');
    expect(s.batch('v1')).toBe('specmesh.v1.batch.v1');
    expect(s.result('sess-9')).toBe('specmesh.v1.result.sess-9');
    expect(s.preempt('sess-9')).toBe('specmesh.v1.preempt.sess-9');
    expect(s.preemptAll()).toBe('specmesh.v1.preempt.*');
    expect(s.tokens('req-3')).toBe('specmesh.v1.tokens.req-3');
    expect(s.heartbeat('verifier', 'v1')).toBe('specmesh.v1.hb.verifier.v1');
    expect(s.heartbeatAll()).toBe('specmesh.v1.hb.>');
    expect(s.heartbeatAll('drafter')).toBe('specmesh.v1.hb.drafter.*');
    expect(s.control('verifier-1')).toBe('specmesh.v1.ctl.verifier-1');
    expect(s.metricsGet()).toBe('specmesh.v1.metrics.get');
  });

  it('honours a custom prefix and version', () => {
    const s = createSubjects({ prefix: 'acme.prod', version: 2 });
    expect(s.submit()).toBe('acme.prod.v2.sched.submit');
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
