// The progress line: only on a terminal, only once a run has lasted a moment,
// redrawn at most a few times a second, one line that is erased at the end.
import t from 'tap';
import { createProgress, type ProgressStream } from '../../src/replay/progress.ts';

function stream(isTTY: boolean, columns = 80): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns, written, write: (text: string) => written.push(text) };
}

t.test('not a terminal: nothing, ever', async (t) => {
  const out = stream(false);
  let clock = 0;
  const progress = createProgress({ stream: out, total: 3, now: () => clock });
  clock = 10_000;
  progress.update(1, 'a.yaml#1');
  progress.finish();
  t.same(out.written, []);
});

t.test('a terminal: silent for short runs, then throttled, then erased', async (t) => {
  const out = stream(true);
  let clock = 0;
  const progress = createProgress({ stream: out, total: 200, now: () => clock, delayMs: 500, intervalMs: 100 });
  clock = 499;
  progress.update(1, 'a.yaml#1');
  t.same(out.written, [], 'nothing before the delay');
  clock = 500;
  progress.update(2, 'a.yaml#2');
  t.same(out.written, ['\r\u001b[Kkadmit replay: 2/200 (1%) a.yaml#2']);
  clock = 599;
  progress.update(3, 'a.yaml#3');
  t.equal(out.written.length, 1, 'no redraw within the interval');
  clock = 600;
  progress.update(100, 'b.yaml#1');
  t.equal(out.written.at(-1), '\r\u001b[Kkadmit replay: 100/200 (50%) b.yaml#1');
  progress.finish();
  t.equal(out.written.at(-1), '\r\u001b[K', 'the line is erased, so the report starts clean');
});

t.test('one line: control characters blanked, cut to the terminal width', async (t) => {
  const out = stream(true, 40);
  const progress = createProgress({ stream: out, total: 1, now: () => 1_000, delayMs: 0 });
  progress.update(1, `x\ny${'z'.repeat(100)}`);
  const line = out.written[0]!.slice('\r\u001b[K'.length);
  t.equal(line.length, 39);
  t.notMatch(line, /\n/);
  t.ok(line.endsWith('…'));
  const quiet = stream(true);
  const unused = createProgress({ stream: quiet, total: 1, now: () => 0 });
  unused.finish();
  t.same(quiet.written, [], 'a line never drawn is not erased');
});
