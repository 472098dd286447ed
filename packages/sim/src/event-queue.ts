/**
 * The simulator's future-event list: a binary min-heap over typed arrays (times, sequence numbers and
 * slot numbers), so sifting moves numbers only, with no record per event and no pointer writes; each
 * event's callback and argument sit in a slot of their own until it pops (free slots are reused).
 * Events at equal times pop in the order they were pushed, which keeps runs deterministic.
 *
 * @example
 *   const q = new EventQueue<string>();
 *   q.push(2, 'b'); q.push(1, 'a'); q.push(1, 'c');
 *   q.pop(); // 'a' (q.lastTime === 1), then 'c', then 'b'
 */
export class EventQueue<T> {
  /** Shape `[capacity]`: per heap position, the event's time, push order (ties) and slot. */
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private slots = new Int32Array(1024);
  /** Shape `[capacity]`: per slot, the event's payload and argument. */
  private values: (T | undefined)[] = new Array(1024);
  private args: unknown[] = new Array(1024);
  /** Slots freed by `pop`, a stack; slots past `fresh` were never used. */
  private free = new Int32Array(1024);
  private freeTop = 0;
  private fresh = 0;
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
    const slot = this.freeTop > 0 ? this.free[--this.freeTop]! : this.fresh++;
    this.values[slot] = value;
    this.args[slot] = arg;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const seq = this.nextSeq++;
    // Sift up: move parents down until the position of the new event is found.
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p]!;
      if (pt < time || (pt === time && seqs[p]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p]!;
      slots[i] = slots[p]!;
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    slots[i] = slot;
  }

  /** Removes and returns the earliest event (its time goes to `lastTime`), or undefined when empty. */
  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const topSlot = slots[0]!;
    const top = this.values[topSlot];
    this.lastArg = this.args[topSlot];
    this.values[topSlot] = undefined;
    this.args[topSlot] = undefined;
    this.free[this.freeTop++] = topSlot;
    this.lastTime = times[0]!;
    const n = --this.n;
    const t = times[n]!;
    const s = seqs[n]!;
    const sl = slots[n]!;
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
      slots[i] = slots[c]!;
      i = c;
    }
    if (n > 0) {
      times[i] = t;
      seqs[i] = s;
      slots[i] = sl;
    }
    return top;
  }

  private grow() {
    const cap = this.times.length * 2;
    const widen = <A extends Float64Array | Int32Array>(a: A, b: A): A => {
      b.set(a);
      return b;
    };
    this.times = widen(this.times, new Float64Array(cap));
    this.seqs = widen(this.seqs, new Float64Array(cap));
    this.slots = widen(this.slots, new Int32Array(cap));
    this.free = widen(this.free, new Int32Array(cap));
    this.values.length = cap;
    this.args.length = cap;
  }
}
