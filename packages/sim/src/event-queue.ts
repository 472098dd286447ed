/**
 * The simulator's future-event list: a binary min-heap over parallel arrays (times, sequence numbers,
 * payloads and an optional argument each), so a push allocates no record and comparisons read doubles
 * from typed memory. Events at equal times pop in the order they were pushed, which keeps runs
 * deterministic.
 *
 * @example
 *   const q = new EventQueue<string>();
 *   q.push(2, 'b'); q.push(1, 'a'); q.push(1, 'c');
 *   q.pop(); // 'a' (q.lastTime === 1), then 'c', then 'b'
 */
export class EventQueue<T> {
  /** Shape `[capacity]`: event times, and push order to break ties. */
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private values: (T | undefined)[] = new Array(1024);
  private args: unknown[] = new Array(1024);
  private n = 0;
  private nextSeq = 0;
  /** Time of the event the last `pop()` returned. */
  lastTime = 0;
  /** Argument pushed with the event the last `pop()` returned. */
  lastArg: unknown = undefined;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Adds an event; `arg` comes back as `lastArg` when it pops (a payload without a closure). */
  push(time: number, value: T, arg?: unknown): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const values = this.values;
    const args = this.args;
    const seq = this.nextSeq++;
    // Sift up: move parents down until the slot for the new event is found.
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p]!;
      if (pt < time || (pt === time && seqs[p]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p]!;
      values[i] = values[p];
      args[i] = args[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    values[i] = value;
    args[i] = arg;
  }

  /** Removes and returns the earliest event (its time goes to `lastTime`), or undefined when empty. */
  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const times = this.times;
    const seqs = this.seqs;
    const values = this.values;
    const args = this.args;
    const top = values[0];
    this.lastTime = times[0]!;
    this.lastArg = args[0];
    const n = --this.n;
    const t = times[n]!;
    const s = seqs[n]!;
    const v = values[n];
    const a = args[n];
    values[n] = undefined;
    args[n] = undefined;
    // Sift down the last event from the root.
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (times[r]! < times[c]! || (times[r] === times[c] && seqs[r]! < seqs[c]!))) c = r;
      const ct = times[c]!;
      if (t < ct || (t === ct && s < seqs[c]!)) break;
      times[i] = ct;
      seqs[i] = seqs[c]!;
      values[i] = values[c];
      args[i] = args[c];
      i = c;
    }
    if (n > 0) {
      times[i] = t;
      seqs[i] = s;
      values[i] = v;
      args[i] = a;
    }
    return top;
  }

  private grow() {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    this.values.length = cap;
    this.args.length = cap;
  }
}
