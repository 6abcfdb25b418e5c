/** Small helpers shared by the benchmark scripts of this project. */
export function numberArg(name: string, fallback: number, argv = process.argv): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** One figure of the summary table: pulled from a benchmark's printed output by a pattern. */
export interface Figure {
  step: string;
  what: string;
  target: string;
  pattern: RegExp;
  /** How the captured groups read in the table. */
  format: (m: RegExpMatchArray) => string;
  /** Whether the target is met; undefined when the figure has no target. */
  met?: (m: RegExpMatchArray) => boolean;
}

export interface FigureRow {
  step: string;
  what: string;
  target: string;
  value: string;
  met: 'yes' | 'no' | '—' | 'missing';
}

export function extract(figures: Figure[], outputs: Map<string, string>): FigureRow[] {
  return figures.map((f) => {
    const m = (outputs.get(f.step) ?? '').match(f.pattern);
    if (!m) return { step: f.step, what: f.what, target: f.target, value: '(not measured)', met: 'missing' };
    const met = f.met ? (f.met(m) ? 'yes' : 'no') : '—';
    return { step: f.step, what: f.what, target: f.target, value: f.format(m), met };
  });
}
