// The default log destination batches lines on stdout: nothing may be lost when
// the process ends, and a quiet process still shows its lines.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const LOGGER = new URL('../../src/observability/logger.ts', import.meta.url).href;

function child(body: string): ChildProcess {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst log = createLogger('info');\n${body}`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function stdoutOf(proc: ChildProcess): Promise<string> {
  let out = '';
  proc.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(proc, 'close');
  return out;
}

function reviewLines(out: string): unknown[] {
  return out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)).filter((l: { msg?: string }) => l.msg === 'review');
}

t.test('lines still in the batch are written when the process exits', async (t) => {
  const proc = child(`for (let i = 0; i < 20; i++) log.info({ i }, 'review');\nprocess.exit(0);`);
  const lines = reviewLines(await stdoutOf(proc));
  t.equal(lines.length, 20);
  t.match(lines[19], { i: 19 });
});

t.test('lines logged before SIGTERM are written when its handler exits', async (t) => {
  const proc = child(`process.once('SIGTERM', () => { log.info({ i: 1 }, 'review'); process.exit(0); });
log.info({ i: 0 }, 'review');
setInterval(() => {}, 1000);
process.stderr.write('waiting\\n');`);
  const out = stdoutOf(proc);
  await once(proc.stderr!, 'data');
  proc.kill('SIGTERM');
  const lines = reviewLines(await out);
  t.equal(lines.length, 2);
  t.match(lines, [{ i: 0 }, { i: 1 }]);
});

t.test('a quiet process shows its line without exiting', async (t) => {
  const proc = child(`log.info({ i: 0 }, 'review');\nsetInterval(() => {}, 1000);`);
  let out = '';
  for await (const chunk of proc.stdout!) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  t.match(reviewLines(out), [{ i: 0 }]);
  proc.kill('SIGKILL');
  await once(proc, 'close');
});

t.test('many batches: every line whole and in order', async (t) => {
  // ~1 KB lines: a batch is many lines, and the last batch is only written at exit.
  const proc = child(`for (let i = 0; i < 1000; i++) log.info({ i, pad: 'x'.repeat(1000) }, 'review');`);
  const out = await stdoutOf(proc);
  t.ok(out.endsWith('\n'));
  t.same(reviewLines(out).map((l) => (l as { i: number }).i), Array.from({ length: 1000 }, (_, i) => i));
});
