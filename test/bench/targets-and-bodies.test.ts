// The bench's judgement and its sized bodies, without running a server: a
// target is met exactly at its bound and missed past it, a target it cannot
// judge says so, every sized body asks the fixture's question, and readiness is
// read from the serving line's own time.
import t from 'tap';
import { readFileSync } from 'node:fs';
import type { ScenarioResult, ServerMemory } from '../../bench/lib/http.ts';
import { reviewBody } from '../../bench/lib/bodies.ts';
import { POD_CREATE_5K } from '../../bench/lib/scenarios.ts';
import { judgeTargets, type Target } from '../../bench/lib/targets.ts';
import { servingAt } from '../../bench/lib/memory.ts';

function result(name: string, median: Partial<NonNullable<ScenarioResult['median']>>, memory?: ServerMemory): ScenarioResult {
  return {
    name, description: name, cpus: '0', rounds: [], conns: 16,
    median: { rps: 1000, p50Ms: 1, p99Ms: 2, p999Ms: 3, maxMs: 4, cpuUsPerReview: 100, cpuBusy: 1, mainBusy: 1, wrkBusy: 0.1, ...median },
    ...(memory && { memory }),
  };
}

t.test('a ratio target is met at its bound and missed past it', async (t) => {
  const targets: Target[] = [
    { kind: 'ratio', of: 'kadmit', to: 'nodelimit', metric: 'cpuUsPerReview', max: 1.5 },
    { kind: 'ratio', of: 'kadmit', to: 'nodelimit', metric: 'rps', min: 0.7 },
  ];
  const at = judgeTargets([result('kadmit', { cpuUsPerReview: 150, rps: 700 }), result('nodelimit', {})], targets);
  t.same(at.map((v) => v.met), [true, true]);
  const past = judgeTargets([result('kadmit', { cpuUsPerReview: 151, rps: 699 }), result('nodelimit', {})], targets);
  t.same(past.map((v) => v.met), [false, false]);
  t.match(past[0]!.text, /1\.51x\s+target <= 1\.50x/);
});

t.test('a target whose scenario did not run, or with too few reviews, is not judged', async (t) => {
  const targets: Target[] = [
    { kind: 'ratio', of: 'kadmit', to: 'go', metric: 'cpuUsPerReview', max: 1 },
    { kind: 'bound', scenario: 'kadmit-2cores', metric: 'restedMiB', max: 160, minReviews: 20_000 },
    { kind: 'bound', scenario: 'kadmit-2cores', metric: 'idleMiB', max: 128 },
  ];
  const memory: ServerMemory = { idleMiB: 129, restedMiB: 150, restSeconds: 30, reviews: 19_999 };
  const verdicts = judgeTargets([result('kadmit', {}), result('kadmit-2cores', {}, memory)], targets);
  t.same(verdicts.map((v) => v.met), [undefined, undefined, false]);
  t.match(verdicts[1]!.text, /19999 reviews served, the target needs 20000/);
  t.same(judgeTargets([result('kadmit-2cores', {}, { ...memory, reviews: 20_000 })], [targets[1]!]).map((v) => v.met), [true]);
});

t.test('sized bodies keep the review and its answer: every container has a memory limit', async (t) => {
  const original = JSON.parse(readFileSync(new URL(`../../${POD_CREATE_5K}`, import.meta.url), 'utf8')) as { request: { uid: string } };
  for (const size of [1024, 100 * 1024, 1024 * 1024]) {
    const body = reviewBody(POD_CREATE_5K, size);
    const review = JSON.parse(body.toString('utf8')) as { request: { uid: string; object: { spec: { containers: { name: string; resources?: { limits?: { memory?: string } } }[] } } } };
    t.equal(review.request.uid, original.request.uid);
    const containers = review.request.object.spec.containers;
    t.ok(containers.every((c) => typeof c.resources?.limits?.memory === 'string'), `${size}: every container has a memory limit`);
    t.equal(new Set(containers.map((c) => c.name)).size, containers.length, `${size}: container names are unique`);
    if (size === 1024) t.ok(body.length <= 1.5 * 1024, `about 1 KB: ${body.length} bytes`);
    else t.ok(body.length >= size && body.length < size * 1.05, `about ${size} bytes: ${body.length}`);
  }
  t.equal(reviewBody(POD_CREATE_5K).length, Buffer.from(JSON.stringify(original)).length, 'no size: the fixture on one line');
});

t.test('serving is when the "kadmit serving" line says, once the whole line is there', async (t) => {
  const other = '{"level":30,"time":"2026-12-07T06:48:16.709Z","msg":"serving certificate ready"}\n';
  const serving = '{"level":30,"time":"2026-12-07T06:48:16.868Z","msg":"kadmit serving"}\n';
  t.equal(servingAt(other + serving), Date.parse('2026-12-07T06:48:16.868Z'));
  t.equal(servingAt(other + serving.slice(0, 40)), undefined, 'a line cut short is not read yet');
  t.equal(servingAt(other), undefined, 'no serving line');
  t.equal(servingAt('{"time":1796626096868,"msg":"kadmit serving"}\n'), 1796626096868, 'epoch milliseconds');
});
