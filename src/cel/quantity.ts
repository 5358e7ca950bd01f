// resource.Quantity as an exact rational: num / den, den a power of ten. The
// grammar is apimachinery's: a signed decimal number, then a binary suffix
// (Ki..Ei), a decimal suffix (n u m k M G T P E) or an exponent (e3, E-2).

export const QUANTITY_PATTERN = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
// A quantity that big or that small is not a resource amount; the bound keeps
// "1e999999999" from becoming a billion-digit number.
const MAX_EXPONENT = 1000;

export class Quantity {
  readonly num: bigint;
  readonly den: bigint;
  readonly text: string;

  constructor(num: bigint, den: bigint, text: string) {
    this.num = num;
    this.den = den;
    this.text = text;
  }

  compare(other: Quantity): number {
    const a = this.num * other.den;
    const b = other.num * this.den;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  celEquals(other: unknown): boolean {
    return other instanceof Quantity && this.compare(other) === 0;
  }

  plus(other: Quantity, sign: 1n | -1n): Quantity {
    const den = this.den > other.den ? this.den : other.den;
    const num = this.num * (den / this.den) + sign * other.num * (den / other.den);
    return new Quantity(num, den, '');
  }

  /** The integer value, or undefined when it has a fraction. */
  integer(): bigint | undefined {
    return this.num % this.den === 0n ? this.num / this.den : undefined;
  }

  approximate(): number {
    return Number(this.num) / Number(this.den);
  }

  toString(): string {
    return this.text !== '' ? this.text : this.integer()?.toString() ?? String(this.approximate());
  }
}

/** The quantity `text` denotes, or an error message. */
export function parseQuantity(text: string): Quantity | string {
  const m = QUANTITY_PATTERN.exec(text);
  if (m === null) return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const [, number, suffix = ''] = m;
  const negative = number!.startsWith('-');
  const digits = number!.replace(/^[+-]/, '');
  const dot = digits.indexOf('.');
  const fraction = dot < 0 ? '' : digits.slice(dot + 1);
  let num = BigInt((dot < 0 ? digits : digits.slice(0, dot) + fraction) || '0');
  let exponent = -fraction.length;
  if (Object.hasOwn(BINARY, suffix)) num *= BINARY[suffix]!;
  else if (Object.hasOwn(DECIMAL, suffix)) exponent += DECIMAL[suffix]!;
  else if (suffix !== '') exponent += Number(suffix.slice(1));
  if (Math.abs(exponent) > MAX_EXPONENT) return 'quantity exponent is out of range';
  let den = 1n;
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den = 10n ** BigInt(-exponent);
  return new Quantity(negative ? -num : num, den, text);
}
