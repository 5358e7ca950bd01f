// A small reader for the Dockerfile: instructions (continuation lines joined,
// comments dropped) grouped into stages, enough to lint it and to lay out the
// runtime filesystem the same way the image does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export function readInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === undefined && (line === '' || line.startsWith('#'))) return;
    if (pending !== undefined && line.startsWith('#')) return;
    const joined = (pending ? `${pending.text} ` : '') + line.replace(/\\$/, '').trim();
    const start = pending?.line ?? i + 1;
    if (line.endsWith('\\')) {
      pending = { text: joined, line: start };
      return;
    }
    pending = undefined;
    const m = /^(\S+)\s*(.*)$/.exec(joined);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: start });
  });
  return out;
}

export function readStages(text: string): { args: Instruction[]; stages: Stage[] } {
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of readInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ from: m?.[1] ?? ins.args, ...(m?.[2] !== undefined && { name: m[2] }), instructions: [] });
    } else if (stages.length === 0) {
      args.push(ins);
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { args, stages };
}

/** `${NAME}` in a FROM resolved against the ARG defaults before the first stage. */
export function resolveImage(from: string, args: readonly Instruction[]): string {
  return from.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const arg = args.find((a) => a.keyword === 'ARG' && a.args.startsWith(`${name}=`));
    return arg ? arg.args.slice(name.length + 1) : `\${${name}}`;
  });
}

export interface CopyInstruction {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(ins: Instruction): CopyInstruction {
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop()!;
  return { ...(from !== undefined && { from }), sources: words, dest };
}

/** The scaffold's Dockerfile: a policy project's image, FROM kadmit's. */
export const POLICY_DOCKERFILE = 'templates/policy-project/Dockerfile';

/** kadmit's Dockerfile, or another (a path from the repository's root, e.g. the scaffold's). */
export function readDockerfile(path = 'Dockerfile'): { text: string; args: Instruction[]; stages: Stage[] } {
  const text = readFileSync(`${ROOT}${path}`, 'utf8');
  return { text, ...readStages(text) };
}

/**
 * Whether .dockerignore lets `path` into the build context (last matching
 * pattern wins, `!` re-includes; `*` matches within one path segment and a
 * directory pattern covers everything below it).
 */
export function inContext(path: string, patterns: readonly string[]): boolean {
  let included = true;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}(/.*)?$`);
    if (re.test(path)) included = negate;
  }
  return included;
}

export function readDockerignore(): string[] {
  return readFileSync(`${ROOT}.dockerignore`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The variables an ENV instruction sets (its KEY=value form; values without quotes or spaces). */
export function parseEnv(ins: Instruction): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of ins.args.split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq <= 0 || /["'\\]/.test(word)) throw new Error(`line ${ins.line}: ENV ${ins.args}: only KEY=value words are read here`);
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

/** What a stage's ENV instructions set, later ones winning. */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...stage.instructions.filter((i) => i.keyword === 'ENV').map(parseEnv)) as Record<string, string>;
}

/** The argv of an exec-form instruction (RUN, ENTRYPOINT); undefined for the shell form. */
export function execForm(ins: Instruction): string[] | undefined {
  if (!ins.args.startsWith('[')) return undefined;
  const argv = JSON.parse(ins.args) as unknown;
  return Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? argv : undefined;
}
