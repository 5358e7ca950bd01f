// Kubernetes' URL library: url(), isURL() and the URL accessors. Parsing follows
// Go's url.ParseRequestURI, which the library uses: an absolute URI or an absolute
// path, no fragment handling, strict %-escapes and hosts.
import type { Environment } from '@marcbachmann/cel-js';
import { celError } from './errors.ts';
import type { CelEquatable } from './values.ts';

export class UrlValue implements CelEquatable {
  readonly scheme: string;
  readonly opaque: string;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly text: string;

  constructor(parts: { scheme: string; opaque: string; host: string; path: string; rawQuery: string; text: string }) {
    this.scheme = parts.scheme;
    this.opaque = parts.opaque;
    this.host = parts.host;
    this.path = parts.path;
    this.rawQuery = parts.rawQuery;
    this.text = parts.text;
  }

  celEquals(other: unknown): boolean {
    return other instanceof UrlValue && other.text === this.text;
  }

  hostname(): string {
    if (this.host.startsWith('[')) return this.host.slice(1, this.host.indexOf(']'));
    const colon = this.host.lastIndexOf(':');
    return colon < 0 ? this.host : this.host.slice(0, colon);
  }

  port(): string {
    const close = this.host.lastIndexOf(']');
    const colon = this.host.lastIndexOf(':');
    return colon > close ? this.host.slice(colon + 1) : '';
  }

  query(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const part of this.rawQuery.split('&')) {
      if (part === '' || part.includes(';')) continue;
      const eq = part.indexOf('=');
      const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
      if (key === undefined || value === undefined) continue;
      const list = out.get(key);
      if (list === undefined) out.set(key, [value]);
      else list.push(value);
    }
    return out;
  }

  toString(): string {
    return this.text;
  }
}

function queryUnescape(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

class UrlError extends Error {}

function validHost(host: string): boolean {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const rest = host.slice(close + 1);
    return rest === '' || /^:[0-9]*$/.test(rest);
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^[0-9]*$/.test(host.slice(colon + 1))) throw new UrlError(`invalid port ${JSON.stringify(host.slice(colon))} after host`);
  return !/[\s"<>\\^`{|}]/.test(host);
}

function parseRequestUri(raw: string): UrlValue {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('net/url: invalid control character in URL');
  if (raw === '') throw new UrlError('empty url');
  let rest = raw;
  let scheme = '';
  const m = SCHEME.exec(rest);
  if (m !== null) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    throw new UrlError('missing protocol scheme');
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return new UrlValue({ scheme, opaque: rest, host: '', path: '', rawQuery, text: raw });
    throw new UrlError('invalid URI for request');
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    host = at < 0 ? authority : authority.slice(at + 1);
    if (!validHost(host)) throw new UrlError(`invalid character in host name`);
  }
  if (BAD_ESCAPE.test(rest)) throw new UrlError(`invalid URL escape ${JSON.stringify(rest.slice(rest.search(BAD_ESCAPE), rest.search(BAD_ESCAPE) + 3))}`);
  return new UrlValue({ scheme, opaque: '', host, path: rest, rawQuery, text: raw });
}

/** Go's error text for a string ParseRequestURI refuses, or undefined when it parses. */
export function requestUriError(raw: string): string | undefined {
  try {
    parseRequestUri(raw);
    return undefined;
  } catch (err) {
    if (err instanceof UrlError) return `parse ${JSON.stringify(raw)}: ${err.message}`;
    throw err;
  }
}

function url(raw: string): UrlValue {
  try {
    return parseRequestUri(raw);
  } catch (err) {
    if (err instanceof UrlError) throw celError(`URL parse error during conversion from string: parse ${JSON.stringify(raw)}: ${err.message}`);
    throw err;
  }
}

export function registerUrls(env: Environment): void {
  env
    .registerType('URL', UrlValue)
    .registerFunction('url(string): URL', url)
    .registerFunction('isURL(string): bool', (s: string) => requestUriError(s) === undefined)
    .registerFunction('URL.getScheme(): string', (u: UrlValue) => u.scheme)
    .registerFunction('URL.getHost(): string', (u: UrlValue) => u.host)
    .registerFunction('URL.getHostname(): string', (u: UrlValue) => u.hostname())
    .registerFunction('URL.getPort(): string', (u: UrlValue) => u.port())
    .registerFunction('URL.getEscapedPath(): string', (u: UrlValue) => u.path)
    .registerFunction('URL.getQuery(): map<string, list<string>>', (u: UrlValue) => u.query())
    .registerOperator('URL == URL', (a: UrlValue, b: UrlValue) => a.celEquals(b));
}
