// The report formats: JUnit is valid, escaped XML (checked with a real XML
// parser, then read back), TAP 14 and JSON parse, and the table only uses
// colour when asked.
import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { renderReport } from '../../src/replay/report.ts';
import { escapeAttribute, escapeText } from '../../src/replay/xml.ts';
import type { CaseResult } from '../../src/replay/types.ts';
import { replay } from './support.ts';

const dir = t.testdir({
  'cases.yaml': [
    'webhook: /probe/fail\noperation: CREATE\nobject: {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\nexpect: {allowed: true}',
    'webhook: /probe/fail\noperation: CREATE\nobject: {apiVersion: v1, kind: ConfigMap, metadata: {name: b, annotations: {probe/deny: "no"}}}\nexpect: {allowed: true, code: 200}',
  ].join('\n---\n'),
});
const { results: real } = await replay([dir]);
// Names and messages no XML writer should trust: markup, quotes, control characters, a lone surrogate, astral characters.
const NASTY = 'a <b> & "c" \'d\' ]]> \u0001\u001b[31m\u0000 \ud800 \u{1F600} \u2028 tab\there\nnewline';
const results: CaseResult[] = real.map((r, i) => ({
  ...r,
  case: { ...r.case, name: `${NASTY} ${i}`, file: `dir/<weird>&file#${i}.yaml`, id: `dir/<weird>&file.yaml#${i + 1}` },
  failures: r.failures.map((f) => ({ ...f, message: `${f.message} ${NASTY}` })),
}));
const ctx = { mode: 'in-process' as const, durationMs: 12.5, color: false };
t.equal(real.filter((r) => r.passed).length, 1, 'one case passes, one fails');

t.test('junit: valid XML that reads back to the same names, messages and counts', async (t) => {
  const xml = renderReport('junit', results, ctx);
  t.equal(XMLValidator.validate(xml), true, 'well-formed');
  t.notMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'no character XML 1.0 forbids');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml);
  const suites = doc.testsuites;
  t.equal(suites.tests, '2');
  t.equal(suites.failures, '1');
  t.equal(suites.testsuite.length, 2, 'a testsuite per file');
  const cases = suites.testsuite.flatMap((s: any) => s.testcase);
  t.equal(cases.length, 2);
  const failed = cases.find((c: any) => c.failure);
  t.match(failed.classname, /^dir\/<weird>&file#1\.yaml$/, 'markup in attributes survives the round trip');
  t.match(failed.name, /^#2 a <b> & "c" 'd' \]\]> /);
  t.match(failed.name, /\u{1F600}/u, 'astral characters kept');
  t.match(failed.failure.message, /^allowed: expected allowed, got denied \("no"\)/);
  t.match(failed.failure['#text'], /code: expected status code 200, got 403/);
  t.equal(failed.failure.type, 'allowed');
  const passed = cases.find((c: any) => !c.failure);
  t.match(passed.time, /^\d+\.\d{3}$/);
});

t.test('xml escaping', async (t) => {
  t.equal(escapeText('<a & b>'), '&lt;a &amp; b&gt;');
  t.equal(escapeAttribute('"x"\n\'y\'\t'), '&quot;x&quot;&#10;&apos;y&apos;&#9;');
  t.equal(escapeText('\u0001\u0000\ud800ok\u{1F600}'), '\uFFFD\uFFFD\uFFFDok\u{1F600}', 'forbidden characters are replaced, astral ones kept');
});

t.test('tap: a plan, a test point per case, failures as YAML diagnostics', async (t) => {
  const tap = renderReport('tap', real, ctx);
  const lines = tap.split('\n');
  t.equal(lines[0], 'TAP version 14');
  t.equal(lines[1], '1..2');
  t.match(lines[2], /^ok 1 - \S+cases\.yaml\\#1 CREATE v1\/ConfigMap default\/a$/, '# is escaped in descriptions');
  t.match(lines[3], /^not ok 2 - /);
  const start = lines.indexOf('  ---');
  const end = lines.indexOf('  ...');
  t.ok(start > 3 && end > start);
  const diag = parseYaml(lines.slice(start + 1, end).map((l) => l.slice(2)).join('\n'));
  t.equal(diag.webhook, 'probe-fail.test.kadmit.dev');
  t.same(diag.failures.map((f: { check: string }) => f.check), ['allowed', 'code']);
  t.same(diag.failures[1].expected, 200);
  t.same(diag.failures[1].actual, 403);
  t.match(lines.at(-2), /^# 2 cases: 1 passed, 1 failed/);
  t.match(renderReport('tap', results, ctx), /^not ok 2 - dir\/<weird>&file\.yaml\\#2 a <b> & "c" 'd' \]\]> /m);
  const nasty = renderReport('tap', results, ctx).split('\n');
  t.equal(nasty.filter((l) => /^(not )?ok \d/.test(l)).length, 2);
  t.notOk(nasty.some((l) => l.startsWith('newline')), 'a name with a line break stays on its test point line');
});

t.test('json: the counts, each case, and the answer', async (t) => {
  const report = JSON.parse(renderReport('json', real, ctx));
  t.equal(report.mode, 'in-process');
  t.same(report.summary, { total: 2, passed: 1, failed: 1, checks: 5 });
  t.equal(report.results[1].answer.code, 403);
  t.equal(report.results[1].answer.message, 'no');
  t.same(report.results[1].failures.map((f: { check: string }) => f.check), ['allowed', 'code']);
});

t.test('table: colour only when asked', async (t) => {
  t.notMatch(renderReport('table', real, ctx), /\u001b/);
  const painted = renderReport('table', real, { ...ctx, color: true });
  t.match(painted, /\u001b\[32mPASS/);
  t.match(painted, /\u001b\[31m\u001b\[1mFAIL|\u001b\[1m\u001b\[31mFAIL/);
});
