// `"...".format([args])` from cel-go's strings extension: %s, %d, %f, %e, %b,
// %o, %x, %X and %%, with an optional precision for %f and %e.
import { isObject } from '../json.ts';
import { celError } from './errors.ts';
import { celTypeName } from './values.ts';

function isMapLike(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  return v instanceof Map || (isObject(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v)));
}

function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return String(v);
}

/** The %s form of a value; strings inside lists and maps are quoted, as cel-go does. */
export function stringOf(v: unknown, nested = false): string {
  if (typeof v === 'string') return nested ? JSON.stringify(v) : v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return nested ? JSON.stringify(Buffer.from(v).toString('utf8')) : Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return `[${v.map((x) => stringOf(x, true)).join(', ')}]`;
  if (isMapLike(v)) {
    const entries = (v instanceof Map ? [...v.entries()] : Object.entries(v)).map(([k, x]) => [stringOf(k, true), stringOf(x, true)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (typeof v === 'object' && v !== null && typeof v.toString === 'function' && v.toString !== Object.prototype.toString) return v.toString();
  throw celError(`error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${celTypeName(v)}`);
}

function integerOf(v: unknown, clause: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { valueOf(): unknown }).valueOf() === 'bigint') return (v as { valueOf(): bigint }).valueOf();
  throw celError(`error during formatting: ${clause} clause can only be used on integers, was given ${celTypeName(v)}`);
}

function numberOf(v: unknown, clause: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw celError(`error during formatting: ${clause} clause can only be used on doubles, was given ${celTypeName(v)}`);
}

function radix(v: unknown, base: number, clause: string, upper: boolean): string {
  let out: string;
  if (typeof v === 'string') out = Buffer.from(v, 'utf8').toString('hex');
  else if (v instanceof Uint8Array) out = Buffer.from(v).toString('hex');
  else if (typeof v === 'boolean' && base === 2) out = v ? '1' : '0';
  else {
    const n = integerOf(v, clause);
    out = n < 0n ? `-${(-n).toString(base)}` : n.toString(base);
  }
  return upper ? out.toUpperCase() : out;
}

function fixed(v: number, precision: number): string {
  if (!Number.isFinite(v)) return formatDouble(v);
  return v.toFixed(precision);
}

function scientific(v: number, precision: number): string {
  if (!Number.isFinite(v)) return formatDouble(v);
  // Go prints at least two exponent digits: 1.000000e+03.
  return v.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

export function formatCel(template: string, args: readonly unknown[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    let j = i + 1;
    let precision: number | undefined;
    if (template[j] === '.') {
      let digits = '';
      j++;
      while (j < template.length && /[0-9]/.test(template[j]!)) digits += template[j++];
      precision = digits === '' ? 0 : Number(digits);
    }
    const verb = template[j];
    if (verb === undefined) throw celError('error during formatting: unexpected end of string');
    if (verb === '%') {
      out += '%';
      i = j;
      continue;
    }
    if (next >= args.length) throw celError(`index ${next} out of range`);
    const arg = args[next++];
    switch (verb) {
      case 's':
        out += stringOf(arg);
        break;
      case 'd':
        out += String(integerOf(arg, 'decimal'));
        break;
      case 'f':
        out += fixed(numberOf(arg, 'fixed-point'), precision ?? 6);
        break;
      case 'e':
        out += scientific(numberOf(arg, 'scientific'), precision ?? 6);
        break;
      case 'b':
        out += radix(arg, 2, 'binary', false);
        break;
      case 'o':
        out += radix(arg, 8, 'octal', false);
        break;
      case 'x':
      case 'X':
        out += radix(arg, 16, 'hex', verb === 'X');
        break;
      default:
        throw celError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
    i = j;
  }
  return out;
}
