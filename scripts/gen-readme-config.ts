// Writes the configuration table in README.md from the options table, so the
// README can never fall behind `kadmit serve --help`.
//   node scripts/gen-readme-config.ts          rewrite README.md
//   node scripts/gen-readme-config.ts --check  exit 1 if README.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { SERVE_OPTIONS } from '../src/config/options.ts';

const START = '<!-- config-table:start (npm run gen:readme) -->';
const END = '<!-- config-table:end -->';

export function configTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = SERVE_OPTIONS.map((o) => {
    const def = o.key === 'workers' ? 'one per usable CPU, at most 4' : `\`${JSON.stringify(o.default)}\``;
    return `| \`--${o.flag}\` | \`${o.env}\` | \`${o.key}\` | ${def} | ${cell(o.help)} |`;
  });
  return ['| flag | environment | file key | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function withTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${START} ... ${END}`);
  return `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`;
}

if (import.meta.main) {
  const path = new URL('../README.md', import.meta.url);
  const current = readFileSync(path, 'utf8');
  const next = withTable(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('README.md configuration table is stale: run npm run gen:readme\n');
      process.exitCode = 1;
    }
  } else if (next !== current) writeFileSync(path, next);
}
