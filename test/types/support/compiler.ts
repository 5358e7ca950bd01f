// Type-checks a few files with the repository's compiler options (skipLibCheck):
// only the root files' diagnostics are reported; what they import is read, not
// reported on. Files may be virtual (text given here, never written to disk).
import { createRequire } from 'node:module';
import type { Program } from 'typescript';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Loaded as CommonJS: imported as a module, Node first scans its 9 MB for ESM
// syntax (measured: 0.4 s of CPU).
const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const config = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.json'), { skipLibCheck: true, noEmit: true }, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
if (config === undefined) throw new Error('cannot read tsconfig.json');
const options = config.options;

export interface Diagnostic {
  /** Relative to the repository root. */
  file: string;
  line: number;
  code: string;
  text: string;
}

export interface CheckOptions {
  /** Files that exist only here: absolute path -> text. */
  virtual?: ReadonlyMap<string, string>;
  /** Changes the text of root files as read. */
  rewrite?: (text: string) => string;
  /** A previous program over the same files, to reuse what did not change. */
  oldProgram?: Program;
}

export function typeCheck(rootNames: readonly string[], opts: CheckOptions = {}): { diagnostics: Diagnostic[]; program: Program } {
  const host = ts.createCompilerHost(options);
  // As tsc does: JSDoc in .ts and .d.ts files is parsed only where it can give a
  // type error (the declarations read hold 10 MB of it; measured: 1.9 s of CPU).
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => opts.virtual?.has(name) === true || exists(name);
  host.readFile = (name) => {
    const text = opts.virtual?.get(name) ?? read(name);
    return text !== undefined && opts.rewrite !== undefined && rootNames.includes(name) ? opts.rewrite(text) : text;
  };
  const program = ts.createProgram({ rootNames, options, host, ...(opts.oldProgram && { oldProgram: opts.oldProgram }) });
  const diagnostics: Diagnostic[] = [];
  for (const name of rootNames) {
    const source = program.getSourceFile(name);
    if (source === undefined) throw new Error(`${name} is not in the program`);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      diagnostics.push({
        file: name.slice(repoRoot.length),
        line: d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1,
        code: `TS${d.code}`,
        text: ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300),
      });
    }
  }
  return { diagnostics, program };
}
