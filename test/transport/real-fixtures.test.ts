// Every real AdmissionReview published by other projects (test/fixtures/real,
// sources in SOURCES.md) gets a well-formed reply through every kind of webhook.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { httpsRequest } from '../helpers/https-client.ts';
import { startTestServer, fixtureWebhook } from '../helpers/server.ts';
// Bare requests and {uid, request} wrappers are sent the way the apiserver would: inside a v1 review.
import { asReview } from '../../src/replay/review.ts';

const dir = new URL('../fixtures/real/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

// Fixtures that no apiserver could send; each is refused with 400 naming the field.
const INVALID: Record<string, string> = {
  'custodian-connect_pod_exec_options.json': 'request.oldObject', // "None" string, a Python repr artifact
  'custodian-create_policyreport.json': 'request.oldObject', // "None" string
  'custodian-delete_pod.json': 'request.object', // "None" string
  'k8sapi-admission.k8s.io.v1.AdmissionReview.json': 'request.operation', // "operationValue" placeholder
};

const server = await startTestServer({ webhooks: ['builtin:require-memory-limits', 'builtin:add-reviewed-label', fixtureWebhook('probe')], workers: 1 });
t.teardown(() => server.close());

for (const file of files) {
  t.test(file, async (t) => {
    const doc = asReview(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
    for (const path of ['/validate/require-memory-limits', '/mutate/add-reviewed-label', '/probe/fail']) {
      const res = await httpsRequest(server.webhookPort, server.ca, path, JSON.stringify(doc));
      const body = res.json();
      if (INVALID[file]) {
        t.equal(res.status, 400, `${path}: refused`);
        t.ok(body.issues.some((i: { path: string }) => i.path === INVALID[file]), `${path}: names ${INVALID[file]}: ${res.text}`);
        continue;
      }
      t.equal(res.status, 200, `${path}: ${res.text.slice(0, 200)}`);
      t.equal(body.apiVersion, doc.apiVersion);
      t.equal(body.kind, 'AdmissionReview');
      t.equal(body.response.uid, doc.request.uid);
      t.type(body.response.allowed, 'boolean');
      t.equal('patch' in body.response, 'patchType' in body.response, 'patch and patchType together');
      if (!path.startsWith('/mutate')) t.notOk('patch' in body.response);
      if (['DELETE', 'CONNECT'].includes(String(doc.request.operation))) t.notOk('patch' in body.response);
      if (!body.response.allowed) t.ok(body.response.status.code >= 400);
    }
  });
}
