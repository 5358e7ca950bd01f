// The parts of cel-go's strings extension (version 2, what Kubernetes enables)
// the evaluator does not have: charAt, replace, format and strings.quote. The
// rest (indexOf, lastIndexOf, lowerAscii, upperAscii, split, substring, trim,
// join) is built in.
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import { formatCel } from './format-verbs.ts';

/** Receiver type of the `strings` namespace (strings.quote). */
export class StringsNamespace {}

function codePoints(s: string): string[] {
  return [...s];
}

function charAt(s: string, index: bigint): string {
  const chars = codePoints(s);
  if (index < 0n || index > BigInt(chars.length)) throw celError(`index out of range: ${index}`);
  return chars[Number(index)] ?? '';
}

/** How many replacements Go's strings.Replace makes (an empty `from` matches before every code point and at the end). */
export function replacementCount(s: string, from: string, limit: bigint): number {
  let found = 0;
  if (from === '') found = codePoints(s).length + 1;
  else for (let at = s.indexOf(from); at >= 0; at = s.indexOf(from, at + from.length)) found++;
  return limit < 0n ? found : Math.min(found, Number(limit));
}

// Go's strings.Replace: at most `limit` replacements (all when negative); an
// empty `from` matches before every code point and at the end.
export function replace(s: string, from: string, to: string, limit: bigint): string {
  if (limit === 0n) return s;
  if (from === '') {
    const chars = codePoints(s);
    const max = limit < 0n ? chars.length + 1 : Math.min(Number(limit), chars.length + 1);
    let out = '';
    chars.forEach((ch, i) => {
      out += (i < max ? to : '') + ch;
    });
    return out + (chars.length < max ? to : '');
  }
  if (limit < 0n) return s.split(from).join(to);
  let out = '';
  let rest = s;
  for (let n = limit; n > 0n; n--) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
  }
  return out + rest;
}

const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
};

function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += QUOTE_ESCAPES[ch] ?? ch;
  return `${out}"`;
}

export function registerStrings(env: Environment): void {
  env
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerFunction('StringsNamespace.quote(string): string', (_ns: StringsNamespace, s: string) => quote(s))
    .registerFunction('string.charAt(int): string', charAt)
    .registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => replace(s, from, to, -1n))
    .registerFunction('string.replace(string, string, int): string', replace)
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatCel(s, args));
}
