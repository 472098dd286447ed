import { ConfigError, SubjectError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { resolveActorOptions } from '../src/actor-options.js';

describe('resolveActorOptions', () => {
  const base = { role: 'echo' as const, servers: 'nats://127.0.0.1:4222' };

  it('fills documented defaults and freezes the result', () => {
    const c = resolveActorOptions(base);
    expect(c.id).toMatch(/^echo-[0-9a-f]{8}$/);
    expect(c.heartbeatIntervalMs).toBe(1000);
    expect(c.maxInflight).toBe(1024);
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses an empty server list', () => {
    expect(() => resolveActorOptions({ ...base, servers: [] })).toThrow(ConfigError);
  });

  it('refuses an id or pool that is not a subject token', () => {
    expect(() => resolveActorOptions({ ...base, id: 'a.b' })).toThrow(SubjectError);
    expect(() => resolveActorOptions({ ...base, pool: '*' })).toThrow(SubjectError);
  });

  it.each([
    ['heartbeatIntervalMs', -1],
    ['maxInflight', 0],
    ['drainTimeoutMs', 1.5],
    ['requestTimeoutMs', 0],
  ])('refuses %s = %d naming the option', (option, value) => {
    expect(() => resolveActorOptions({ ...base, [option]: value })).toThrow(new RegExp(`option ${option}`));
  });

  it('allows heartbeats off with 0', () => {
    expect(resolveActorOptions({ ...base, heartbeatIntervalMs: 0 }).heartbeatIntervalMs).toBe(0);
  });
});
