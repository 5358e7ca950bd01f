// Kubernetes' IP and CIDR libraries (ip(), isIP(), ip.isCanonical(), cidr(),
// isCIDR() and their methods). Addresses are parsed as Go's netip does:
// dotted-quad IPv4 without leading zeros, RFC 4291 IPv6; zones and IPv4-mapped
// IPv6 addresses are refused, as the library refuses them.
import { isIPv4, isIPv6 } from 'node:net';
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';

export class IpValue {
  /** 4 or 16 bytes. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  celEquals(other: unknown): boolean {
    return other instanceof IpValue && Buffer.compare(this.bytes, other.bytes) === 0;
  }

  toString(): string {
    if (this.family === 4) return this.bytes.join('.');
    const words = Array.from({ length: 8 }, (_, i) => (this.bytes[2 * i]! << 8) | this.bytes[2 * i + 1]!);
    // RFC 5952: the longest run of two or more zero words becomes "::" (the first on a tie).
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && words[j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j === i ? i + 1 : j;
    }
    const hex = words.map((w) => w.toString(16));
    if (best < 0) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  }
}

export class CidrValue {
  readonly ip: IpValue;
  readonly bits: number;

  constructor(ip: IpValue, bits: number) {
    this.ip = ip;
    this.bits = bits;
  }

  celEquals(other: unknown): boolean {
    return other instanceof CidrValue && other.bits === this.bits && this.ip.celEquals(other.ip);
  }

  masked(): CidrValue {
    const bytes = Uint8Array.from(this.ip.bytes, (b, i) => {
      const keep = Math.max(0, Math.min(8, this.bits - 8 * i));
      return b & ((0xff << (8 - keep)) & 0xff);
    });
    return new CidrValue(new IpValue(bytes), this.bits);
  }

  containsIp(ip: IpValue): boolean {
    return ip.family === this.ip.family && new CidrValue(ip, this.bits).masked().ip.celEquals(this.masked().ip);
  }

  containsCidr(other: CidrValue): boolean {
    return other.bits >= this.bits && this.containsIp(other.ip);
  }

  toString(): string {
    return `${this.ip.toString()}/${this.bits}`;
  }
}

function parseIpv6(s: string): Uint8Array {
  let text = s;
  const bytes = new Uint8Array(16);
  // An embedded IPv4 tail is two words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4 !== null) {
    tail = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const words = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The address, or why Go's netip (with the library's extra rules) refuses it. */
export function parseIp(s: string): IpValue | string {
  if (s.includes('%')) return 'IP address with zone value is not allowed';
  if (isIPv4(s)) {
    if (s.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return `ParseAddr(${JSON.stringify(s)}): IPv4 field has octet with leading zero`;
    return new IpValue(Uint8Array.from(s.split('.').map(Number)));
  }
  if (isIPv6(s)) {
    const bytes = parseIpv6(s);
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return 'IPv4-mapped IPv6 address is not allowed';
    return new IpValue(bytes);
  }
  return `ParseAddr(${JSON.stringify(s)}): unable to parse IP`;
}

export function parseCidr(s: string): CidrValue | string {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return `netip.ParsePrefix(${JSON.stringify(s)}): no '/'`;
  const ip = parseIp(s.slice(0, slash));
  if (typeof ip === 'string') return ip;
  const bits = s.slice(slash + 1);
  const max = ip.family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits) || Number(bits) > max) return `netip.ParsePrefix(${JSON.stringify(s)}): bad bits after slash: ${JSON.stringify(bits)}`;
  return new CidrValue(ip, Number(bits));
}

function ip(s: string): IpValue {
  const v = parseIp(s);
  if (typeof v === 'string') throw celError(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ${v}`);
  return v;
}

function cidr(s: string): CidrValue {
  const v = parseCidr(s);
  if (typeof v === 'string') throw celError(`network address parse error during conversion from string: ${v}`);
  return v;
}

const isLoopback = (a: IpValue) => (a.family === 4 ? a.bytes[0] === 127 : a.toString() === '::1');
const isUnspecified = (a: IpValue) => a.bytes.every((b) => b === 0);
const isMulticast = (a: IpValue) => (a.family === 4 ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff);
const isLinkLocalUnicast = (a: IpValue) => (a.family === 4 ? a.bytes[0] === 169 && a.bytes[1] === 254 : a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80);
const isLinkLocalMulticast = (a: IpValue) => (a.family === 4 ? a.bytes[0] === 224 && a.bytes[1] === 0 && a.bytes[2] === 0 : a.bytes[0] === 0xff && (a.bytes[1]! & 0x0f) === 0x02);
const isBroadcast = (a: IpValue) => a.family === 4 && a.bytes.every((b) => b === 255);
const isGlobalUnicast = (a: IpValue) => !isUnspecified(a) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a) && !isBroadcast(a);

/** Receiver type of the `ip` namespace (ip.isCanonical). */
export class IpNamespace {}

export function registerNet(env: Environment): void {
  env
    .registerType('IP', IpValue)
    .registerType('CIDR', CidrValue)
    .registerType('IpNamespace', IpNamespace)
    .registerConstant('ip', 'IpNamespace', new IpNamespace())
    .registerFunction('ip(string): IP', ip)
    .registerFunction('isIP(string): bool', (s: string) => typeof parseIp(s) !== 'string')
    .registerFunction('IpNamespace.isCanonical(string): bool', (_ns: IpNamespace, s: string) => ip(s).toString() === s)
    .registerFunction('string(IP): string', (a: IpValue) => a.toString())
    .registerFunction('IP.family(): int', (a: IpValue) => BigInt(a.family))
    .registerFunction('IP.isUnspecified(): bool', isUnspecified)
    .registerFunction('IP.isLoopback(): bool', isLoopback)
    .registerFunction('IP.isLinkLocalMulticast(): bool', isLinkLocalMulticast)
    .registerFunction('IP.isLinkLocalUnicast(): bool', isLinkLocalUnicast)
    .registerFunction('IP.isGlobalUnicast(): bool', isGlobalUnicast)
    .registerOperator('IP == IP', (a: IpValue, b: IpValue) => a.celEquals(b))
    .registerFunction('cidr(string): CIDR', cidr)
    .registerFunction('isCIDR(string): bool', (s: string) => typeof parseCidr(s) !== 'string')
    .registerFunction('string(CIDR): string', (c: CidrValue) => c.toString())
    .registerFunction('CIDR.containsIP(IP): bool', (c: CidrValue, a: IpValue) => c.containsIp(a))
    .registerFunction('CIDR.containsIP(string): bool', (c: CidrValue, s: string) => c.containsIp(ip(s)))
    .registerFunction('CIDR.containsCIDR(CIDR): bool', (c: CidrValue, o: CidrValue) => c.containsCidr(o))
    .registerFunction('CIDR.containsCIDR(string): bool', (c: CidrValue, s: string) => c.containsCidr(cidr(s)))
    .registerFunction('CIDR.ip(): IP', (c: CidrValue) => c.ip)
    .registerFunction('CIDR.masked(): CIDR', (c: CidrValue) => c.masked())
    .registerFunction('CIDR.prefixLength(): int', (c: CidrValue) => BigInt(c.bits))
    .registerOperator('CIDR == CIDR', (a: CidrValue, b: CidrValue) => a.celEquals(b));
}
