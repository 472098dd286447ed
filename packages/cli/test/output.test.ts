import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colourEnabled, painter } from '../src/colour.js';
import { createOutput } from '../src/output.js';
import { createProgress } from '../src/progress.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('createOutput', () => {
  it('without --json: commentary, text and the human result on stdout, nothing on stderr', () => {
    const out = sink();
    const err = sink();
    const o = createOutput(false, { stdout: out.stream, stderr: err.stream });
    o.say('• step');
    o.text('tok ');
    o.result({ n: 2 }, (v) => `n = ${v.n}`);
    o.jsonLine({ ignored: true });
    expect(out.text()).toBe('• step\ntok n = 2\n');
    expect(err.text()).toBe('');
  });

  it('with --json: stdout holds one JSON line per result, commentary goes to stderr', () => {
    const out = sink();
    const err = sink();
    const o = createOutput(true, { stdout: out.stream, stderr: err.stream });
    o.say('• step');
    o.text('tok ');
    o.result({ n: 2, nan: Number.NaN }, () => 'never');
    o.jsonLine({ event: 'ready' });
    const lines = out.text().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ n: 2, nan: null }, { event: 'ready' }]);
    expect(err.text()).toBe('• step\n');
  });
});

describe('colourEnabled', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('colours a terminal only, never with NO_COLOR, and always with FORCE_COLOR', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('painter wraps in ANSI codes only when enabled', () => {
    expect(painter(true)(32, 'ok')).toBe('\u001b[32mok\u001b[0m');
    expect(painter(false)(32, 'ok')).toBe('ok');
  });
});

describe('createProgress', () => {
  const fakeStream = (isTTY: boolean) => {
    const s = sink();
    return { ...s, stream: Object.assign(s.stream, { isTTY }) as unknown as NodeJS.WriteStream };
  };

  it('draws on a terminal, with the note after the bar', () => {
    const t = fakeStream(true);
    const bar = createProgress('bench', 10, { stream: t.stream });
    expect(bar.drawing).toBe(true);
    bar.update(5, 'repeat 1 of 3');
    bar.stop();
    expect(bar.drawing).toBe(false);
    expect(t.text()).toContain('bench [');
    expect(t.text()).toContain('repeat 1 of 3');
  });

  it('draws nothing off a terminal, or on one when disabled (--json)', () => {
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const t = fakeStream(tty);
      const bar = createProgress('x', 10, { stream: t.stream, enabled });
      bar.update(5, 'note');
      bar.stop();
      expect(bar.drawing).toBe(false);
      expect(t.text()).toBe('');
    }
  });
});
