// `kadmit replay`: replays fixtures through the configured webhooks (in-process
// or against a running server) and checks what each one answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../config/load.ts';
import { argsError } from '../config/suggest.ts';
import { TARGET_HELP, TARGET_OPTIONS, prepareTarget } from '../replay/setup.ts';
import { discoverFixtures, isFixtureFileName, loadFixtures, sidecarPath } from '../replay/fixtures.ts';
import { FixtureError } from '../replay/problems.ts';
import { runCases } from '../replay/run.ts';
import { renderReport } from '../replay/report.ts';
import { REPORT_FORMATS, type ReportFormat } from '../replay/summary.ts';
import { writeRecordings } from '../replay/record.ts';
import { watchAndRun } from './watch.ts';
import { createProgress } from '../replay/progress.ts';
import type { CaseResult } from '../replay/types.ts';
import type { CliIo } from './io.ts';

const OPTIONS = {
  ...TARGET_OPTIONS,
  format: { type: 'string' },
  record: { type: 'boolean' },
  watch: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function replayHelp(): string {
  return [
    'Usage: kadmit replay [options] [PATH...]',
    '',
    'Replays AdmissionReview fixtures (files or directories, JSON or YAML) through the',
    'webhooks and checks every expectation. With no PATH, runs the `fixtures` named in',
    'the config file (./kadmit.yaml in a policy project). Fixture format: docs/replay.md.',
    'Exit status: 0 all expectations met, 1 any failed, 2 usage or fixture errors.',
    '',
    ...TARGET_HELP,
    '',
    'Output:',
    '  --format FORMAT         table (default; colour on a terminal), json, tap or junit',
    '  --record                write what each webhook answered as the expectations',
    '                          (in place for cases; <file>.expect.yaml for raw reviews)',
    '  --watch                 run again whenever a fixture or webhook module changes',
    '  --help                  show this help',
  ].join('\n');
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw argsError(err, Object.keys(OPTIONS), 'kadmit replay --help');
  }
}

function useColor(format: ReportFormat, io: CliIo): boolean {
  if (format !== 'table') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true && !io.env.NO_COLOR;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.stdout.write(`${replayHelp()}\n`);
    return 0;
  }
  const format = (values.format ?? 'table') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join(', ')} (got ${JSON.stringify(values.format)})`);
  if (values.record && values.watch) throw new UsageError('--record and --watch cannot be combined (recording would trigger the next run)');

  const target = await prepareTarget(values, io.env);
  const paths = positionals.length > 0 ? positionals : (target.fixtures ?? []);
  if (paths.length === 0) {
    await target.sender.close();
    throw new UsageError(`give one or more fixture files or directories, or name them as \`fixtures\` in kadmit.yaml\n\n${replayHelp()}`);
  }
  try {
    if (values.watch) {
      await target.sender.close();
      const { modules, config, crds, namespaces } = target.watchFiles;
      return await watchMode(argv, io, paths, [...modules.map((u) => fileURLToPath(u)), ...(config ? [config] : []), ...crds, ...(namespaces ? [namespaces] : [])]);
    }
    const loaded = loadFixtures(paths, { webhooks: target.webhooks, timeoutFor: target.timeoutFor, ...(target.defaultWebhook !== undefined && { defaultWebhook: target.defaultWebhook }) });
    if (loaded.problems.length > 0) throw new FixtureError(loaded.problems);

    const started = performance.now();
    const progress = createProgress({ stream: io.stderr, total: loaded.cases.length });
    let done = 0;
    let results: CaseResult[];
    try {
      results = await runCases(loaded.cases, target.sender, { probeIdempotence: values.record === true, onResult: (r) => progress.update(++done, r.case.id) });
    } finally {
      progress.finish();
    }
    if (values.record) {
      // A case not sent has no answer to record (and keeps what it expects).
      const recording = writeRecordings(results.filter((r) => r.sent));
      io.stderr.write(`kadmit replay: recorded the answers of ${recording.recorded} case(s) in ${recording.files.length} file(s): ${recording.files.join(', ')}\n`);
      for (const r of recording.skipped) io.stderr.write(`kadmit replay: nothing to record for ${r.case.id}: no answer\n`);
      // The expectations now are the answers: only the apiserver's rules can still fail.
      results = results.map((r) => {
        if (!r.sent) return r;
        const failures = r.failures.filter((f) => f.check === 'call' || f.check === 'contract');
        return { ...r, failures, passed: failures.length === 0 };
      });
    }
    const durationMs = performance.now() - started;
    io.stdout.write(renderReport(format, results, { mode: target.sender.mode, durationMs, color: useColor(format, io) }));
    return results.every((r) => r.passed || r.skipped) ? 0 : 1;
  } finally {
    await target.sender.close();
  }
}

/** Each run is a fresh process, so changed webhook code (and what it imports) is loaded anew. */
async function watchMode(argv: string[], io: CliIo, positionals: string[], codeFiles: string[]): Promise<number> {
  const childArgs = [...process.execArgv, process.argv[1]!, 'replay', ...argv.filter((a) => a !== '--watch')];
  // Fail early on paths that do not exist; later runs report fixture problems themselves.
  discoverFixtures(positionals);
  const paths = [...positionals.map((p) => resolve(p)), ...codeFiles.filter((f) => existsSync(f))];
  const controller = new AbortController();
  let child: ChildProcess | undefined;
  let runs = 0;
  const stop = () => {
    controller.abort();
    if (child?.pid !== undefined) child.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const note = (text: string) => io.stdout.write(`[kadmit replay --watch] ${text}\n`);
  await watchAndRun({
    paths,
    signal: controller.signal,
    companions: (file) => [sidecarPath(file)],
    relevant: (file) => isFixtureFileName(file.split(/[\\/]/).pop() ?? '') || file.endsWith('.expect.yaml'),
    run: (changed) => new Promise<void>((done) => {
      runs += 1;
      if (runs > 1) note(`run ${runs}: changed ${changed.join(', ')}`);
      child = spawn(process.execPath, childArgs, { stdio: 'inherit', env: io.env });
      child.on('close', (code) => {
        child = undefined;
        note(`run ${runs} exited ${code ?? 'on a signal'}; watching ${paths.length} path(s) for changes (Ctrl-C stops)`);
        done();
      });
    }),
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return 0;
}
