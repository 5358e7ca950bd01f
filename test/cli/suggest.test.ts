// "Did you mean" for mistyped commands and flags, only when the guess is
// close, and serve's help with each flag's note said once.
import t from 'tap';
import { parseArgs } from 'node:util';
import { argsError, closest } from '../../src/config/suggest.ts';
import { serveHelp, loadServeConfig } from '../../src/config/load.ts';
import { resolveManifestConfig } from '../../src/cli/manifests-command.ts';
import { runCliInProcess } from '../helpers/cli.ts';

t.test('the closest name, only when it is close', async (t) => {
  const flags = ['webhook', 'workers', 'format', 'record', 'watch', 'url', 'ca', 'ca-grace', 'ca-lifetime', 'log-level'];
  t.equal(closest('wbhook', flags), 'webhook', 'a letter left out');
  t.equal(closest('fromat', flags), 'format', 'two letters swapped is one edit');
  t.equal(closest('log-levle', flags), 'log-level');
  t.equal(closest('wokrers', flags), 'workers');
  t.equal(closest('ur', flags), 'url', 'one edit on a short name');
  t.equal(closest('bogus', flags), undefined, 'nothing close');
  t.equal(closest('xyz', flags), undefined);
  t.equal(closest('log-lvl', flags), 'log-level', 'two edits on a long enough name');
  t.equal(closest('watcher', flags), undefined, 'but only one on a short one');
  t.equal(closest('c', flags), 'ca', 'one edit');
  t.equal(closest('ca-', ['ca-grace', 'ca-lifetime']), undefined, 'a prefix of two names is no guess');
  t.equal(closest('ca-l', flags), 'ca-lifetime', 'a prefix of one name');
  t.equal(closest('reccord', ['record', 'recorder']), 'record');
  t.equal(closest('ab', ['ac', 'ad']), undefined, 'a tie is no guess');
  t.equal(closest('x'.repeat(1000), ['x']), undefined, 'long input is not compared');
});

t.test('a parseArgs error becomes a usage error with the guess or the help to read', async (t) => {
  const options = { webhook: { type: 'string' }, format: { type: 'string' } } as const;
  const fail = (args: string[]) => {
    try {
      parseArgs({ args, options, strict: true });
    } catch (err) {
      return argsError(err, Object.keys(options), 'kadmit x --help');
    }
    throw new Error('parseArgs accepted it');
  };
  t.match(fail(['--wbhook', 'a']), { code: 'KADMIT_USAGE', message: "Unknown option '--wbhook': did you mean --webhook?" });
  t.match(fail(['--nope']), { message: "Unknown option '--nope': `kadmit x --help` lists the options" });
  t.match(fail(['-q']), { message: "Unknown option '-q': `kadmit x --help` lists the options" });
  t.match(fail(['--format']), { message: /Option '--format <value>' argument missing/ }, 'other parse errors pass through');
  t.throws(() => loadServeConfig(['--log-levl', 'debug'], {}), { message: "Unknown option '--log-levl': did you mean --log-level?" });
  t.throws(() => resolveManifestConfig(['--dashbaord']), { message: "Unknown option '--dashbaord': did you mean --dashboard?" });
});

t.test('kadmit with a mistyped command suggests the command', async (t) => {
  const typo = await runCliInProcess(['repaly']);
  t.equal(typo.code, 2);
  t.match(typo.stderr, /^kadmit: unknown command "repaly": did you mean "replay"\?\n/);
  const far = await runCliInProcess(['frobnicate']);
  t.equal(far.code, 2);
  t.match(far.stderr, /^kadmit: unknown command "frobnicate"\n\nUsage: kadmit <command>/);
  const flag = await runCliInProcess(['replay', '--formt', 'json', '.']);
  t.equal(flag.code, 2);
  t.match(flag.stderr, /Unknown option '--formt': did you mean --format\?/);
});

t.test('serve --help says each note once', async (t) => {
  const help = serveHelp();
  t.notMatch(help, /\(repeatable\)/, 'no bare "(repeatable)" left from the table');
  t.match(help, /--webhook V +webhooks to serve: builtin:<name> or a module path \(repeatable; env: comma-separated\)\n/);
  t.match(help, /file key workers, default \d+ on this machine/);
});
