import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../src/session/trace-recorder.js';

describe('TraceRecorder', () => {
  it('records drafts and each task from send to verdict, preemption or timeout', () => {
    const rec = new TraceRecorder('d0');
    const drafted = rec.draftStarted(0, 7, 4);
    drafted();
    rec.taskSent('s:t0', 0, 7, 4);
    rec.taskSent('s:t1', 0, 11, 4);
    rec.taskSent('s:t2', 0, 15, 4);
    rec.taskVerified('s:t0', 'v1', 2);
    rec.taskEnded('s:t1', 'preempted');
    rec.taskVerified('s:t1', 'v2', 4); // a late result of a preempted task changes nothing
    rec.taskEnded('s:t2', 'timeout');
    rec.taskSent('s:t3', 1, 9, 4);
    rec.taskVerified('s:t3', 'v2', 4);
    rec.taskSent('s:t4', 1, 13, 4); // still in flight when the session ends
    const t = rec.snapshot();
    expect(t.drafterId).toBe('d0');
    expect(t.spans.map((s) => [s.kind, s.taskId, s.verifierId, s.accepted, s.outcome])).toEqual([
      ['draft', undefined, undefined, undefined, undefined],
      ['verify', 's:t0', 'v1', 2, 'rejected'],
      ['verify', 's:t1', undefined, undefined, 'preempted'],
      ['verify', 's:t2', undefined, undefined, 'timeout'],
      ['verify', 's:t3', 'v2', 4, 'accepted'],
      ['verify', 's:t4', undefined, undefined, 'preempted'],
    ]);
    for (const s of t.spans) expect(s.end).toBeGreaterThanOrEqual(s.start);
  });
});
