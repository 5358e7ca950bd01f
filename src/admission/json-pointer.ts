// RFC 6901 JSON pointers: how a patch addresses a place in a document. Paths
// shown to people (`spec.containers[0].image`) are src/json-path.ts's.

export type PathSegment = string | number;

// RFC 6901 section 3: `~` becomes `~0` first, then `/` becomes `~1`.
export function escapePointerToken(token: string): string {
  if (token.indexOf('~') === -1 && token.indexOf('/') === -1) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function formatPointer(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    out += '/' + (typeof seg === 'number' ? String(seg) : escapePointerToken(seg));
  }
  return out;
}

// Returns null for a malformed pointer (no leading `/`, or a `~` not followed
// by 0 or 1) so callers can name the failing operation in their own error.
export function parsePointer(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (pointer.charCodeAt(0) !== 0x2f /* / */) return null;
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token.indexOf('~') === -1) continue;
    if (/~(?![01])/.test(token)) return null;
    // `~1` first, then `~0`, so that `~01` decodes to `~1` and not `/`.
    tokens[i] = token.replaceAll('~1', '/').replaceAll('~0', '~');
  }
  return tokens;
}
