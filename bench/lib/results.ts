/** Collected measurements: rows with samples, medians and a reference row to compare against. */
import { formatRatio, formatValue, median, renderMarkdown, renderTable, speedup, spread, type Unit } from './stats.js';

export interface Row {
  section: string;
  /** Unique within the section. */
  name: string;
  unit: Unit;
  samples: number[];
  /** Name of the row (same section) this one is compared with: ratio = how many times better. */
  vs?: string;
  higherIsBetter?: boolean;
  note?: string;
}

export interface RowSummary extends Row {
  median: number;
  min: number;
  max: number;
  ratio?: number;
}

export class Results {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  add(section: string, name: string, unit: Unit, samples: number[], options: { vs?: string; higherIsBetter?: boolean; note?: string } = {}): void {
    const existing = this.rows.find((r) => r.section === section && r.name === name);
    if (existing) existing.samples.push(...samples);
    else this.rows.push({ section, name, unit, samples: [...samples], ...options });
  }

  samples(section: string, name: string): number[] {
    return [...(this.rows.find((r) => r.section === section && r.name === name)?.samples ?? [])];
  }

  note(text: string): void {
    this.notes.push(text);
  }

  summary(): RowSummary[] {
    return this.rows.map((row) => {
      const [min, max] = spread(row.samples);
      const m = median(row.samples);
      const ref = row.vs ? this.rows.find((r) => r.section === row.section && r.name === row.vs) : undefined;
      const ratio = ref ? speedup(m, median(ref.samples), row.higherIsBetter) : undefined;
      return { ...row, median: m, min, max, ...(ratio === undefined ? {} : { ratio }) };
    });
  }

  private cells(): { section: string; cells: string[] }[] {
    return this.summary().map((r) => ({
      section: r.section,
      cells: [
        r.name,
        formatValue(r.median, r.unit),
        r.samples.length > 1 ? `${formatValue(r.min, r.unit)} – ${formatValue(r.max, r.unit)}` : '',
        String(r.samples.length),
        r.vs ? `${formatRatio(r.ratio ?? Number.NaN)} vs ${r.vs}` : '',
      ],
    }));
  }

  static readonly header = ['measurement', 'median', 'min – max', 'n', 'ratio (x better)'];

  /** One text table per section. */
  render(markdown = false): string {
    const bySection = new Map<string, string[][]>();
    for (const { section, cells } of this.cells()) bySection.set(section, [...(bySection.get(section) ?? []), cells]);
    const parts: string[] = [];
    for (const [section, rows] of bySection) {
      parts.push(markdown ? `**${section}**\n\n${renderMarkdown(Results.header, rows)}` : `== ${section}\n${renderTable(Results.header, rows)}`);
    }
    return parts.join('\n\n');
  }
}
