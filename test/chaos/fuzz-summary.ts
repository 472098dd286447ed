/**
 * The fuzz suite's record of what it tried on each subject and how each try was answered, printed as
 * a table after a run and, with `SPECMESH_FUZZ_REPORT=<file>`, written as the Markdown tables of
 * docs/reliability.md.
 */

interface Row {
  readonly category: string;
  tried: number;
  readonly outcomes: Map<string, number>;
}

interface Subject {
  readonly name: string;
  /** `request` or `publish`, and who listens (with how many subscriptions each). */
  readonly how: string;
  readonly rows: Map<string, Row>;
}

export class FuzzSummary {
  private readonly subjects = new Map<string, Subject>();

  /** Says how `name` is used and who receives it; call before noting tries on it. */
  describe(name: string, pattern: 'request' | 'publish', receivers: ReadonlyMap<string, number>): void {
    const who = [...receivers].map(([r, n]) => (n > 1 ? `${r} (${n} subscriptions)` : r)).join(', ');
    this.subjects.set(name, { name, how: `${pattern} → ${who || 'nobody'}`, rows: new Map() });
  }

  /** Records `n` tries of `category` on `subject` that ended in `outcome`. */
  note(subject: string, category: string, outcome: string, n = 1): void {
    if (n === 0) return;
    const s = this.subjects.get(subject) ?? { name: subject, how: '', rows: new Map<string, Row>() };
    this.subjects.set(subject, s);
    const row = s.rows.get(category) ?? { category, tried: 0, outcomes: new Map<string, number>() };
    s.rows.set(category, row);
    row.tried += n;
    row.outcomes.set(outcome, (row.outcomes.get(outcome) ?? 0) + n);
  }

  /** Total tries recorded. */
  get tried(): number {
    let n = 0;
    for (const s of this.subjects.values()) for (const r of s.rows.values()) n += r.tried;
    return n;
  }

  private static outcomes(r: Row): string {
    return [...r.outcomes].map(([o, n]) => (r.outcomes.size > 1 ? `${o} (${n})` : o)).join('; ');
  }

  /** A plain-text table, one block per subject. */
  text(): string {
    const lines: string[] = [];
    for (const s of this.subjects.values()) {
      lines.push('', `${s.name}   ${s.how}`);
      for (const r of s.rows.values())
        lines.push(`  ${r.category.padEnd(40)} ${String(r.tried).padStart(4)}  ${FuzzSummary.outcomes(r)}`);
    }
    return lines.join('\n');
  }

  /** One Markdown table per subject. */
  markdown(): string {
    const out: string[] = [];
    for (const s of this.subjects.values()) {
      out.push(`### \`${s.name}\``, '', s.how ? `${s.how}.` : '', '');
      out.push('| bad input | tried | refused how |', '|---|---:|---|');
      for (const r of s.rows.values())
        out.push(`| ${r.category} | ${r.tried} | ${FuzzSummary.outcomes(r)} |`);
      out.push('');
    }
    return out.join('\n');
  }
}
