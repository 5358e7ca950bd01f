// The metric names a PromQL expression reads: what is left once string
// literals, label matchers, range and subquery selectors, grouping and
// matching clauses, function and aggregation calls, keywords and numbers are
// taken out. Enough for the expressions kadmit writes, and strict: anything
// it cannot place is returned as a name, so the registry check fails on it.
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\()/g)) {
    // The regex stops a name short of a "(" after it; a name cut short is still a call.
    const after = stripped.slice(m.index + m[0].length);
    if (/^[A-Za-z0-9_:]/.test(after)) continue;
    if (!KEYWORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return [...names];
}
