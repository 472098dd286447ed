import { describe, expect, it } from 'vitest';
import {
  DeadlineError,
  ErrorCode,
  fromWireError,
  InternalError,
  OverloadedError,
  SchemaError,
  SpecmeshError,
  toWireError,
} from '../src/errors.js';

describe('typed errors', () => {
  it('survive the wire as the same class, code, retryability and context', () => {
    const original = new OverloadedError('queue full', { context: { limit: 256 } });
    const back = fromWireError(toWireError(original));
    expect(back).toBeInstanceOf(OverloadedError);
    expect(back.code).toBe(ErrorCode.Overloaded);
    expect(back.retryable).toBe(true);
    expect(back.context).toEqual({ limit: 256 });
    expect(back.message).toBe('queue full');
  });

  it('rebuild every known code as its own class', () => {
    for (const code of Object.values(ErrorCode)) {
      const back = fromWireError({ code, message: 'm', retryable: false });
      expect(back.code).toBe(code);
      expect(back).toBeInstanceOf(SpecmeshError);
    }
  });

  it('map unknown codes from newer peers to E_INTERNAL keeping the remote code', () => {
    const back = fromWireError({ code: 'E_FROM_THE_FUTURE', message: 'm', retryable: true });
    expect(back).toBeInstanceOf(InternalError);
    expect(back.context['remoteCode']).toBe('E_FROM_THE_FUTURE');
    expect(back.retryable).toBe(true);
  });

  it('wrap foreign throwables as E_INTERNAL with the original as cause', () => {
    const cause = new TypeError('boom');
    const wire = toWireError(cause);
    expect(wire.code).toBe(ErrorCode.Internal);
    expect(wire.message).toBe('boom');
    expect(toWireError('text').message).toBe('text');
  });

  it('default retryability per class', () => {
    expect(new DeadlineError('x').retryable).toBe(true);
    expect(new SchemaError('x').retryable).toBe(false);
    expect(new SchemaError('x', { retryable: true }).retryable).toBe(true);
  });
});
