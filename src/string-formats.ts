// String formats of the Kubernetes API checked the way the API server decodes
// them (Go's time.RFC3339, encoding/json's base64). Both the schema check
// (src/schemas/) and CEL's format library (src/cel/) use them, so they live
// beside both rather than in either.

// meta/v1.Time: time.RFC3339, fraction optional.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
// Padded standard base64; Go's decoder skips \r and \n.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function rfc3339(v: string, fraction: 'any' | 'micro'): boolean {
  const m = RFC3339.exec(v);
  if (m === null) return false;
  if (fraction === 'micro' && (m[7] === undefined || m[7].length !== 7)) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > daysInMonth(year, month)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

export function isDateTime(v: unknown): boolean {
  return typeof v === 'string' && rfc3339(v, 'any');
}

/** meta/v1.MicroTime: layout 2006-01-02T15:04:05.000000Z07:00, exactly six fractional digits. */
export function isMicroTime(v: unknown): boolean {
  return typeof v === 'string' && rfc3339(v, 'micro');
}

/** YYYY-MM-DD with month lengths checked (by the date-time check at a fixed time). */
export function isDate(v: unknown): boolean {
  return typeof v === 'string' && DATE.test(v) && isDateTime(`${v}T00:00:00Z`);
}

/** Any UUID version, dashes optional. */
export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}

export function isBase64(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const s = v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]/g, '') : v;
  return BASE64.test(s);
}
