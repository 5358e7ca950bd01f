// `format` values a CRD schema may name, checked the way the API server's OpenAPI
// validator does where that is unambiguous. Formats whose upstream rules are
// loose or odd (hostname, email, uri, duration, password, isbn, ...) are not
// enforced: kadmit must not deny what the API server accepts. An unknown format
// is ignored, as the API server ignores it.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { isBase64, isDate, isDateTime, isUuid } from '../string-formats.ts';
import { isInt32, isInt64 } from './leaves.ts';

export interface Format {
  /** JSON type the format applies to; other values pass untouched. */
  appliesTo: 'string' | 'integer';
  test(value: string | number): boolean;
  label: string;
}

const uuidVersion = (v: string) => (s: string | number) => isUuid(s) && s.replace(/-/g, '')[12] === v;
const MAC = /^(?:[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){7}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){19})$/i;

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

const str = (test: (s: string) => boolean) => (v: string | number) => typeof v === 'string' && test(v);

export const FORMATS: Readonly<Record<string, Format>> = {
  int32: { appliesTo: 'integer', test: isInt32, label: 'integer in int32 range' },
  int64: { appliesTo: 'integer', test: isInt64, label: 'integer in int64 range' },
  byte: { appliesTo: 'string', test: isBase64, label: 'base64 string' },
  'date-time': { appliesTo: 'string', test: isDateTime, label: 'RFC 3339 date-time' },
  datetime: { appliesTo: 'string', test: isDateTime, label: 'RFC 3339 date-time' },
  date: { appliesTo: 'string', test: isDate, label: 'date (YYYY-MM-DD)' },
  uuid: { appliesTo: 'string', test: isUuid, label: 'UUID' },
  uuid3: { appliesTo: 'string', test: uuidVersion('3'), label: 'UUID version 3' },
  uuid4: { appliesTo: 'string', test: uuidVersion('4'), label: 'UUID version 4' },
  uuid5: { appliesTo: 'string', test: uuidVersion('5'), label: 'UUID version 5' },
  ipv4: { appliesTo: 'string', test: str(isIPv4), label: 'IPv4 address' },
  ipv6: { appliesTo: 'string', test: str(isIPv6), label: 'IPv6 address' },
  cidr: { appliesTo: 'string', test: str(isCidr), label: 'CIDR (address/prefix)' },
  mac: { appliesTo: 'string', test: str((s) => MAC.test(s)), label: 'MAC address' },
  bsonobjectid: { appliesTo: 'string', test: str((s) => /^[0-9a-f]{24}$/i.test(s)), label: 'BSON ObjectId' },
  hexcolor: { appliesTo: 'string', test: str((s) => /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(s)), label: 'hex color' },
};
