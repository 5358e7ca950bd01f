// `kadmit types --crd FILE [--out FILE]`: TypeScript declarations for custom
// resources, from their CRDs' schemas, registered in kadmit/schemas' CustomKinds
// so a webhook can name them in `kinds` and get typed objects.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage, KadmitError, UsageError } from '../errors.ts';
import { argsError } from '../config/suggest.ts';
import { parseCrdManifests, type CrdManifest } from '../schemas/crd.ts';
import { crdDeclarations } from '../schemas/typegen/crd-declarations.ts';
import type { CliIo } from './io.ts';

/** Largest CRD file read (the biggest real CRDs are a few MB). */
export const MAX_CRD_FILE_BYTES = 16 * 1024 * 1024;
const MAX_CRD_FILES = 64;

export function typesHelp(): string {
  return [
    'Usage: kadmit types --crd FILE [--crd FILE ...] [--out FILE]',
    '',
    'Writes TypeScript declarations for the custom resources of the CRDs in FILE (YAML',
    'or JSON, several documents or a List): an interface per served version (GuestbookV1,',
    'and Guestbook for the storage version), typed as kadmit checks objects against the',
    "schema, and a `declare module 'kadmit/schemas'` block that registers each kind in",
    "CustomKinds as 'group/version/Kind'. Include the file in your tsconfig; then",
    "`kinds: ['webapp.example.com/v1/Guestbook']` types a webhook's objects (give its",
    'rules too: kadmit derives rules for built-in kinds only).',
    '',
    '  --crd FILE   a CRD manifest file (repeatable)',
    '  --out FILE   write the declarations here (default: standard output)',
    '  --help       show this help',
  ].join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { crd: { type: 'string', multiple: true }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  } catch (err) {
    throw new UsageError(`${argsError(err, ['crd', 'out', 'help'], 'kadmit types --help').message}\n\n${typesHelp()}`);
  }
  const { crd: files = [], out, help } = parsed.values;
  if (help) {
    io.stdout.write(`${typesHelp()}\n`);
    return 0;
  }
  if (files.length === 0) throw new UsageError(`--crd FILE is required\n\n${typesHelp()}`);
  if (files.length > MAX_CRD_FILES) throw new UsageError(`at most ${MAX_CRD_FILES} --crd files`);
  const command = ['kadmit types', ...files.map((f) => `--crd ${f}`), ...(out === undefined ? [] : [`--out ${out}`])].join(' ');
  const text = crdDeclarations(files.flatMap(readCrdFile), command);
  if (out === undefined) io.stdout.write(text);
  else {
    try {
      writeFileSync(out, text);
    } catch (err) {
      throw new KadmitError('KADMIT_TYPES', `cannot write ${out}: ${errorMessage(err)}`, { cause: err });
    }
    io.stderr.write(`wrote ${out}\n`);
  }
  return 0;
}

function readCrdFile(path: string): CrdManifest[] {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CRD_FILE_BYTES) throw new KadmitError('KADMIT_CRD_PARSE', `CRD file ${path} is ${size} bytes, over the limit of ${MAX_CRD_FILE_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof KadmitError) throw err;
    throw new KadmitError('KADMIT_CRD_PARSE', `cannot read CRD file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  return parseCrdManifests(text, path);
}
