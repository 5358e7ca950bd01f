// Medians and number formatting for the report.
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmtRps = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-').padStart(7);
export const fmtMs = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-').padStart(6);
export const fmtRatio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');
export const fmtUs = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : '-').padStart(4);
export const fmtPct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '-').padStart(4);
/** CPU seconds per wall second: 1.00 is one core busy all the time. */
export const fmtCores = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-').padStart(4);
