/** Reading the caller's traceparent and converting timeline times for OpenTelemetry. */
import { describe, expect, it } from 'vitest';
import { epochMsToHrTime } from '../src/observability/otlp-exporter.js';
import { parentOf } from '../src/observability/request-spans.js';

describe('parentOf', () => {
  it('reads trace id, parent span id and the sampled flag', () => {
    expect(parentOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parentOf(' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ')?.sampled).toBe(false);
  });

  it.each([
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  ])('ignores %j', (h) => {
    expect(parentOf(h)).toBeUndefined();
  });
});

describe('epochMsToHrTime', () => {
  it('splits epoch milliseconds into seconds and nanoseconds', () => {
    expect(epochMsToHrTime(1_700_000_000_000)).toEqual([1_700_000_000, 0]);
    const [s, ns] = epochMsToHrTime(1_700_000_000_123.5);
    expect(s).toBe(1_700_000_000);
    expect(Math.abs(ns - 123_500_000)).toBeLessThan(1000); // doubles near 1.7e12 hold ~0.2 µs
    expect(epochMsToHrTime(999.9999999)).toEqual([1, 0]);
  });

  it('keeps a time from before this process started an epoch time', () => {
    // The SDK would read a bare number below performance.timeOrigin as an offset from it.
    const before = performance.timeOrigin - 5000;
    const [s] = epochMsToHrTime(before);
    expect(s).toBe(Math.floor(before / 1000));
  });
});

describe('no SDK cost when export is off', () => {
  it('only otlp-exporter.ts imports the OpenTelemetry SDK, and only gateway.ts loads it, dynamically', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const src = new URL('../src/', import.meta.url);
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const text = readFileSync(new URL(f, src), 'utf8');
      if (f.endsWith('otlp-exporter.ts')) continue;
      expect(text, f).not.toMatch(/from '@opentelemetry\//);
      expect(text, f).not.toMatch(/^import .*otlp-exporter/m);
    }
    expect(readFileSync(new URL('gateway.ts', src), 'utf8')).toMatch(
      /await import\('\.\/observability\/otlp-exporter\.js'\)/,
    );
  });
});
