// Every real AdmissionReview fixture (test/fixtures/real, see SOURCES.md there):
// each object and oldObject present is checked against the schema of request.kind.
// Most validate. Where a fixture is itself broken, the expected rejection and the
// reason are written down below, so a change in outcome fails this test.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { SchemaRegistry, formatIssues } from '../../src/schemas/registry.ts';
import { readJson, root } from './support.ts';

const registry = SchemaRegistry.builtin();

type Outcome = 'ok' | 'no schema' | string; // a string other than those: the formatted issues

const EXPECTED: Record<string, { object?: Outcome; oldObject?: Outcome }> = {
  'connaisseur-01_deployment.json': {
    object: 'ok',
    // oldObject is `{}` on a CREATE (it should be null): an empty object is not a Deployment.
    oldObject: 'apiVersion: expected "apps/v1", got missing; kind: expected "Deployment", got missing',
  },
  'connaisseur-02_pod.json': {
    object: 'ok',
    // Same `{}` placeholder for oldObject on a CREATE.
    oldObject: 'apiVersion: expected "v1", got missing; kind: expected "Pod", got missing',
  },
  'connaisseur-10_update.json': { object: 'ok', oldObject: 'ok' },
  'connaisseur-11_role.json': { object: 'ok' },
  // PodExecOptions (CONNECT) is a query-parameter type: the 1.36 definitions have no
  // schema for it. Its oldObject is the string "None", a Python repr artifact.
  'custodian-connect_pod_exec_options.json': { object: 'no schema', oldObject: 'no schema' },
  // A custom resource (wgpolicyk8s.io PolicyReport) kadmit has no CRD for.
  'custodian-create_policyreport.json': { object: 'no schema', oldObject: 'no schema' },
  'custodian-delete_pod.json': {
    // DELETE with object = the string "None" instead of null (Python repr artifact).
    object: '(root): expected object, got string',
    // The old Pod's conditions carry lastProbeTime "None" where the API server writes
    // null: the same artifact, inside the object.
    oldObject:
      'status.conditions[0].lastProbeTime: expected RFC 3339 date-time, got "None"; status.conditions[1].lastProbeTime: expected RFC 3339 date-time, got "None"; status.conditions[2].lastProbeTime: expected RFC 3339 date-time, got "None"; status.conditions[3].lastProbeTime: expected RFC 3339 date-time, got "None"',
  },
  // Upstream round-trip fixture with placeholder kind groupValue/versionValue/kindValue.
  'k8sapi-admission.k8s.io.v1.AdmissionReview.json': { object: 'no schema', oldObject: 'no schema' },
  'kubewarden-allow-priv-esc-req_pod_with_allowPrivilegeEscalation_disabled.json': { object: 'ok' },
  // extensions/v1beta1 Ingress was removed in Kubernetes 1.22: no schema in 1.36.
  'kubewarden-deprecated-api-deprecated_ingress.json': { object: 'no schema' },
  'kubewarden-disallow-service-lb-service_loadbalancer.json': { object: 'ok' },
  'kubewarden-echo-delete_accept.json': { oldObject: 'ok' },
  'kubewarden-echo-update_accept.json': { object: 'ok', oldObject: 'ok' },
  'kubewarden-image-cve-deployment.json': { object: 'ok' },
  'kubewarden-ingress-policy-ingress-wildcard.json': { object: 'ok' },
  // Custom resource (policies.kubewarden.io AdmissionPolicy) without a CRD here.
  'kubewarden-ns-ps-mapper-admission_policy_create.json': { object: 'no schema' },
  'kubewarden-pod-runtime-class-PodDeleteRequest.json': { oldObject: 'ok' },
  // Hand-edited: the Namespace object has no apiVersion and no kind; the API server
  // always sets both on the objects it sends.
  'kubewarden-psa-label-enforcer-namespace_with_invalid_labels.json': {
    object: 'apiVersion: expected "v1", got missing; kind: expected "Namespace", got missing',
  },
  'kubewarden-user-group-cronjob_root_user.json': { object: 'ok' },
  'kubewarden-user-group-daemonset_root_user.json': { object: 'ok' },
  'kubewarden-user-group-statefulset_root_user.json': { object: 'ok' },
  'pepr-admission-create-pod.json': {
    object: 'ok',
    // `{}` placeholder oldObject on a CREATE.
    oldObject: 'apiVersion: expected "v1", got missing; kind: expected "Pod", got missing',
  },
  'pepr-admission-delete-clusterrole.json': { oldObject: 'ok' },
  // Custom resource (monitoring.coreos.com ServiceMonitor) without a CRD here.
  'pepr-admission-update-servicemonitor.json': { object: 'no schema', oldObject: 'no schema' },
  'pepr-cm1.json': { object: 'ok' },
};

function outcome(kind: { group: string; version: string; kind: string }, value: unknown): Outcome {
  if (!registry.has(kind)) return 'no schema';
  const r = registry.check(kind, value);
  return r.ok ? 'ok' : formatIssues(r.issues, 4096);
}

const dir = new URL('test/fixtures/real/', root);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

t.test('every real fixture has a recorded expectation', async (t) => {
  t.same(files, Object.keys(EXPECTED).sort());
});

for (const file of files) {
  t.test(file, async (t) => {
    const doc = readJson(`test/fixtures/real/${file}`) as Record<string, any>;
    // A full review or a {uid, request} wrapper carries `request`; a bare request is the document.
    const request = (doc['request'] ?? doc) as Record<string, any>;
    const seen: { object?: Outcome; oldObject?: Outcome } = {};
    for (const key of ['object', 'oldObject'] as const) {
      const value = request[key];
      if (value === undefined || value === null) continue; // absent/null: the pipeline's business
      seen[key] = outcome(request['kind'], value);
    }
    t.same(seen, EXPECTED[file]);
  });
}

t.test('the 5k Pod review validates', async (t) => {
  const review = readJson('test/fixtures/pod-create-5k.json') as { request: { kind: { group: string; version: string; kind: string }; object: unknown } };
  t.equal(outcome(review.request.kind, review.request.object), 'ok');
});
