// Label and field selectors, as far as LIST/WATCH need them.
// Label syntax: a=b, a==b, a!=b, a in (x,y), a notin (x,y), a, !a — comma-joined.
// Field selectors: metadata.name and metadata.namespace with = / == / !=.

export type Matcher = (obj: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }) => boolean;

// Split on commas that are not inside parentheses.
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

type LabelTest = (labels: Record<string, string>) => boolean;

function labelTerm(term: string): LabelTest {
  let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const key = m[1]!;
    const values = new Set(m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== ''));
    return m[2] === 'in' ? (l) => key in l && values.has(l[key]!) : (l) => !(key in l) || !values.has(l[key]!);
  }
  m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
  if (m) {
    const key = m[1]!;
    const value = m[3]!;
    return m[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = /^(!?)([^\s!=(),]+)$/.exec(term);
  if (m) {
    const key = m[2]!;
    return m[1] ? (l) => !(key in l) : (l) => key in l;
  }
  throw new Error(`unable to parse requirement: ${term}`);
}

export function parseLabelSelector(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const tests = splitTerms(selector).map(labelTerm);
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

export function parseFieldSelector(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const tests = splitTerms(selector).map((term) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new Error(`field label not supported: ${term}`);
    const field = m[1] === 'metadata.name' ? 'name' : 'namespace';
    const value = m[3]!;
    const neg = m[2] === '!=';
    return (obj: Parameters<Matcher>[0]) => ((obj.metadata?.[field] ?? '') === value) !== neg;
  });
  return (obj) => tests.every((t) => t(obj));
}
