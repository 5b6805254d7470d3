/** Kernel release ordering. Pure. */

/** Compare kernel versions like `sort -V` would, enough for 6.1.0-18 vs 6.1.0-9. Pure. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => v.split(/(\d+)/).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
