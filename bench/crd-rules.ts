// What CRD validation rules cost per review: the same Guestbook CREATE review
// (test/fixtures/guestbook/create-valid.json, every rule passing) through the
// in-process pipeline (runReview: decode, schema check, a handler that allows),
// against three versions of the Guestbook CRD: its shape alone; its shape with
// defaults and the list-type map (the rule layer without rules); and with five
// validation rules (the CRD's four, one a transition rule that CREATE skips,
// plus one on spec.image; on this object four evaluate). One process, the
// variants interleaved in batches, medians of wall time per review; a check at
// the start makes sure the five-rule variant really denies what its rules deny.
//   npx node bench/crd-rules.ts
import { readFileSync } from 'node:fs';
import { runReview } from '../src/admission/pipeline.ts';
import { httpAnswer } from '../src/transport/http-answer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { parseCrdManifests } from '../src/schemas/crd.ts';
import { SchemaRegistry } from '../src/schemas/registry.ts';
import { defineValidatingWebhook } from '../src/webhooks/define.ts';
import { allow } from '../src/model/verdict.ts';
import { median } from './lib/stats.ts';

const BATCH = 200;
const BATCHES = 101;

const crdText = readFileSync(new URL('../examples/crds/guestbook.yaml', import.meta.url), 'utf8');
const body = new Uint8Array(readFileSync(new URL('../test/fixtures/guestbook/create-valid.json', import.meta.url)));

type Json = Record<string, any>;

// The CRD with `edit` applied to every node of its schema.
function variant(edit: (node: Json) => void): SchemaRegistry {
  const [m] = parseCrdManifests(crdText, 'guestbook.yaml');
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    if (!Array.isArray(v)) edit(v as Json);
    for (const x of Object.values(v)) walk(x);
  };
  const root = (m!.object as Json)['spec']['versions'][0]['schema']['openAPIV3Schema'];
  walk(root);
  return SchemaRegistry.builtin().withCrds([m!]);
}

const shapeOnly = variant((n) => {
  for (const k of ['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'default']) delete n[k];
});
const noRules = variant((n) => delete n['x-kubernetes-validations']);
const fiveRules = variant((n) => {
  if (n['required']?.includes?.('image')) {
    n['x-kubernetes-validations'].push({ rule: "self.image.startsWith('registry.example.com/') || self.image.startsWith('ghcr.io/')", message: 'images come from the company registries' });
  }
});

const probe = JSON.parse(Buffer.from(body).toString('utf8')) as { request: { kind: { group: string; version: string; kind: string }; object: Json } };
const foreign = { ...probe.request.object, spec: { ...probe.request.object['spec'], image: 'docker.io/guestbook:1' } };
if (fiveRules.check(probe.request.kind, foreign).ok || !noRules.check(probe.request.kind, foreign).ok) throw new Error('the five-rule variant does not have its rules');

const webhook = defineValidatingWebhook({
  name: 'bench.crd-rules.kadmit.dev',
  path: '/validate/bench',
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['webapp.example.com'], apiVersions: ['v1'], resources: ['guestbooks'] }],
  failurePolicy: 'Fail',
  schemaValidation: 'required',
  timeoutSeconds: 10,
  validate: () => allow(),
});
const log = createLogger('silent');
const signal = new AbortController().signal;

async function batch(schemas: SchemaRegistry): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const out = httpAnswer(await runReview(webhook, body, { signal, deadline: Date.now() + 10_000, log, schemas }));
    if (!out.body.includes('"allowed":true')) throw new Error(`not allowed: ${out.body}`);
  }
  return ((performance.now() - t0) * 1000) / BATCH;
}

const variants = { 'shape only': shapeOnly, 'defaults + list-type map, no rules': noRules, 'five rules': fiveRules };
const samples = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let b = 0; b < BATCHES; b++) {
  for (const [name, schemas] of Object.entries(variants)) {
    const us = await batch(schemas);
    if (b > 0) samples.get(name)!.push(us); // the first batch warms up
  }
}
const base = median(samples.get('shape only')!);
console.log(`Guestbook CREATE review through runReview, ${BATCH} reviews x ${BATCHES - 1} batches per variant (median us per review):`);
for (const [name, xs] of samples) {
  const m = median(xs);
  console.log(`  ${name.padEnd(36)} ${m.toFixed(1).padStart(7)} us   ${name === 'shape only' ? '' : `+${(m - base).toFixed(1)} us (${((m / base - 1) * 100).toFixed(0)}%)`}`);
}
