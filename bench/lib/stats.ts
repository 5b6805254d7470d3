/**
 * The pure parts of the benchmark: medians, ratios, formatting and the table. Unit-tested in
 * test/unit/bench-stats.test.ts.
 */

/** Median of the samples (mean of the middle two for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  const sorted = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Smallest and largest sample, for the spread column. */
export function spread(samples: readonly number[]): [number, number] {
  const finite = samples.filter((x) => Number.isFinite(x));
  if (!finite.length) return [Number.NaN, Number.NaN];
  return [Math.min(...finite), Math.max(...finite)];
}

export type Unit = 'ms' | 'MiB/s' | 'KiB' | 'MiB' | 'count';

/** A duration for people: 12 ms, 1.23 s, 45.6 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'MiB/s':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} MiB/s`;
    case 'KiB':
      return value >= 10 * 1024 ? `${Math.round(value / 1024)} MiB` : `${Math.round(value)} KiB`;
    case 'MiB':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} MiB`;
    case 'count':
      return String(Math.round(value));
  }
}

/**
 * How many times better `value` is than `reference`: for times (lower is better)
 * reference / value, for throughput (higher is better) value / reference.
 */
export function speedup(value: number, reference: number, higherIsBetter = false): number {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || value <= 0 || reference <= 0) return Number.NaN;
  return higherIsBetter ? value / reference : reference / value;
}

/** mulberry32: a seeded generator, so that the same samples give the same interval every time. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * How sure a ratio of medians is: the 95% interval of speedup(median(value), median(reference))
 * over bootstrap resamples of both sample sets. A ratio near 1.0 whose interval spans it is a
 * difference the machine's noise hides. (Samples taken in runs are not quite independent: the
 * interval is, if anything, narrower than the truth.) NaN bounds for fewer than 2 samples a side.
 */
export function speedupInterval(value: readonly number[], reference: readonly number[], higherIsBetter = false, rounds = 2000): [number, number] {
  const v = value.filter((x) => Number.isFinite(x));
  const r = reference.filter((x) => Number.isFinite(x));
  if (v.length < 2 || r.length < 2) return [Number.NaN, Number.NaN];
  const random = seededRandom(v.length * 7919 + r.length);
  const resample = (xs: number[]) => xs.map(() => xs[Math.floor(random() * xs.length)]!);
  const ratios = Array.from({ length: rounds }, () => speedup(median(resample(v)), median(resample(r)), higherIsBetter)).sort((a, b) => a - b);
  return [ratios[Math.floor(rounds * 0.025)]!, ratios[Math.ceil(rounds * 0.975) - 1]!];
}

/** 2.4x, 0.93x, 110x; '–' when unknown. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  if (ratio >= 100) return `${Math.round(ratio)}x`;
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return `${ratio.toFixed(2)}x`;
}

/** Plain-text table: the first column left-aligned, the others right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table as GitHub markdown (for the README). */
export function renderMarkdown(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${header.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}

/** Parse a positive integer setting such as BENCH_RUNS, with a default. */
export function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${text}'`);
  return n;
}
