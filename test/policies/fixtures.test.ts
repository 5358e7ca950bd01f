// Every policy fixture (test/fixtures/policies) posted over real HTTPS to an
// in-process kadmit serving the built-in policies with the fixtures' settings;
// the reply must meet the sidecar expectation, and every mutation must be
// idempotent (the patched object, reviewed again, yields no patch).
import t from 'tap';
import { Agent } from 'node:https';
import { httpsRequest } from '../helpers/https-client.ts';
import { startTestServer } from '../helpers/server.ts';
import type { PatchOperation } from '../../src/admission/patch.ts';
import { applyPatch } from '../../src/replay/apply-patch.ts';
import { matchText, readPolicyDirs, FIXTURE_ROOT } from './fixture-files.ts';
import { renderFixtureFiles } from '../fixtures/policies/build.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = readPolicyDirs();
const server = await startTestServer({
  webhooks: dirs.flatMap((d) => d.config.webhooks),
  settings: Object.assign({}, ...dirs.map((d) => d.config.settings ?? {})),
  crds: dirs.flatMap((d) => d.config.crds ?? []),
  logLevel: 'warn',
  // The reviews are posted one at a time: a second worker would only add its start-up.
  workers: 1,
});
// One connection for all the reviews, kept open as the apiserver keeps its own:
// a handshake per review would only add CPU.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
t.teardown(async () => {
  agent.destroy();
  await server.close();
});

const pathOf = new Map<string, string>([
  ['pod-security.kadmit.dev', '/validate/pod-security'],
  ['pod-defaults.kadmit.dev', '/mutate/pod-defaults'],
  ['guestbook.kadmit.dev', '/validate/guestbook'],
]);

async function post(webhook: string, review: unknown) {
  const path = pathOf.get(webhook);
  if (!path) throw new Error(`unknown webhook ${webhook}`);
  const res = await httpsRequest(server.webhookPort, server.ca, `${path}?timeout=10s`, JSON.stringify(review), { agent });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
  return res.json().response as Record<string, any>;
}
const decode = (patch: string) => JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as PatchOperation[];

t.test('the committed fixtures are what build.ts writes', async (t) => {
  for (const [path, text] of renderFixtureFiles()) {
    t.equal(readFileSync(join(FIXTURE_ROOT, path), 'utf8'), text, path);
  }
});

t.test('every policy has fixtures for allowed, denied or mutated, UPDATE, DELETE, dryRun and each workload kind', async (t) => {
  for (const { policy, cases } of dirs) {
    const requests = cases.map((c) => c.review.request);
    t.ok(cases.some((c) => c.expect.allowed === true), `${policy}: allowed`);
    t.ok(cases.some((c) => c.expect.allowed === false || Array.isArray(c.expect.patch)), `${policy}: denied or mutated`);
    for (const op of ['CREATE', 'UPDATE', 'DELETE']) t.ok(requests.some((r) => r.operation === op), `${policy}: ${op}`);
    t.ok(requests.some((r) => r.dryRun === true), `${policy}: dryRun`);
    if (policy !== 'guestbook') {
      for (const kind of ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']) {
        t.ok(requests.some((r) => r.kind.kind === kind), `${policy}: ${kind}`);
      }
    }
  }
});

for (const { policy, cases } of dirs) {
  t.test(policy, async (t) => {
    for (const c of cases) {
      const response = await post(c.webhook, c.review);
      const e = c.expect;
      const label = `${policy}/${c.file}`;
      t.equal(response.uid, c.review.request.uid, `${label}: uid`);
      if (e.allowed !== undefined) t.equal(response.allowed, e.allowed, `${label}: allowed (${response.status?.message ?? ''})`);
      if (e.code !== undefined) t.equal(response.status?.code, e.code, `${label}: code`);
      if (e.reason !== undefined) t.ok(matchText(response.status?.reason, e.reason), `${label}: reason ${response.status?.reason}`);
      if (e.message !== undefined) t.ok(matchText(response.status?.message, e.message), `${label}: message\n  got:      ${response.status?.message}\n  expected: ${JSON.stringify(e.message)}`);
      if (e.warnings !== undefined) {
        t.equal(response.warnings?.length ?? 0, e.warnings.length, `${label}: warning count ${JSON.stringify(response.warnings)}`);
        e.warnings.forEach((w, i) => t.ok(matchText(response.warnings?.[i], w), `${label}: warning ${i}: ${response.warnings?.[i]}`));
      }
      for (const [key, m] of Object.entries(e.auditAnnotations ?? {})) {
        t.ok(matchText(response.auditAnnotations?.[key], m), `${label}: audit annotation ${key}=${response.auditAnnotations?.[key]}`);
      }
      if (e.patch === null) {
        t.notOk('patch' in response || 'patchType' in response, `${label}: no patch`);
      } else if (e.patch !== undefined) {
        t.equal(response.patchType, 'JSONPatch', `${label}: patchType`);
        t.same(response.patch ? decode(response.patch) : undefined, e.patch, `${label}: patch`);
      }
      if (e.idempotent) {
        const patched = applyPatch(c.review.request.object, decode(response.patch));
        const again = structuredClone(c.review);
        again.request.uid = `${again.request.uid.slice(0, -4)}0000`;
        again.request.object = patched;
        const second = await post(c.webhook, again);
        t.equal(second.allowed, true, `${label}: second review allowed`);
        t.notOk('patch' in second, `${label}: second review yields no patch`);
      }
    }
  });
}

t.test('a pod that got every default passes pod-security: the default pair works together', async (t) => {
  const all = 'seccompProfile,allowPrivilegeEscalation,runAsNonRoot,dropAllCapabilities';
  const cases = dirs.find((d) => d.policy === 'pod-defaults')!.cases.filter((c) => c.expect.idempotent && c.expect.auditAnnotations?.defaulted === all);
  t.ok(cases.length >= 8, 'covers pods and every workload kind');
  for (const c of cases) {
    const response = await post(c.webhook, c.review);
    const patched = applyPatch(c.review.request.object, decode(response.patch)) as Record<string, any>;
    const review = structuredClone(c.review);
    review.request.object = patched;
    const verdict = await post('pod-security.kadmit.dev', review);
    t.equal(verdict.allowed, true, `${c.file}: ${verdict.status?.message ?? 'allowed'}`);
  }
});
