import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generate, SWAGGER_PATH } from '../../scripts/gen-schemas/generate.ts';
import { parseSwagger, GeneratorError } from '../../scripts/gen-schemas/swagger.ts';
import { translate } from '../../scripts/gen-schemas/translate.ts';
import { KINDS, KUBERNETES_VERSION } from '../../src/schemas/generated/kinds.ts';
import { validatorOf } from '../../src/schemas/validators.ts';
import { root } from './support.ts';

const swaggerText = readFileSync(new URL(SWAGGER_PATH, root), 'utf8');

t.test('committed generated files are what the generator produces now', async (t) => {
  const files = generate(parseSwagger(swaggerText));
  t.ok(files.length >= 2);
  for (const file of files) {
    const committed = readFileSync(new URL(file.path, root), 'utf8');
    // On failure: run `npm run gen:schemas` and commit the result.
    t.ok(committed === file.content, `${file.path} is up to date (npm run gen:schemas)`);
  }
});

t.test('generation is deterministic', async (t) => {
  const a = generate(parseSwagger(swaggerText));
  const b = generate(parseSwagger(swaggerText));
  t.same(a, b);
});

t.test('the pinned swagger.json is the unmodified upstream file named in SOURCES.md', async (t) => {
  const sources = readFileSync(new URL('schemas/kubernetes/SOURCES.md', root), 'utf8');
  const sha = createHash('sha256').update(swaggerText).digest('hex');
  t.match(sources, sha);
});

t.test('the generator refuses constructs it does not understand', async (t) => {
  t.throws(() => translate({ type: 'string', format: 'uuid' }, 'X.f'), GeneratorError);
  t.throws(() => translate({ allOf: [] } as never, 'X.g'), /unsupported schema key "allOf"/);
  t.throws(() => translate({ $ref: 'other.json#/Foo' }, 'X.h'), /unsupported \$ref/);
  t.throws(() => translate({ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, 'X'), /required field "b"/);
  t.throws(() => parseSwagger('{"openapi":"3.0.0"}'), GeneratorError);
});

t.test('the kinds index maps every GVK to a definition, which has a validator, and types cover every kind', async (t) => {
  const files = generate(parseSwagger(swaggerText));
  const bundle = JSON.parse(files.find((f) => f.path.endsWith('schemas.json'))!.content);
  const kinds = files.find((f) => f.path.endsWith('/kinds.ts'))!.content;
  const types = files.find((f) => f.path.endsWith('types.ts'))!.content;
  t.equal(bundle.kubernetesVersion, 'v1.36');
  t.equal(KUBERNETES_VERSION, 'v1.36');
  t.equal(KINDS['v1/Pod'], 'io.k8s.api.core.v1.Pod');
  t.equal(KINDS['apps/v1/Deployment'], 'io.k8s.api.apps.v1.Deployment');
  t.match(kinds, /'v1\/Pod': 'io\.k8s\.api\.core\.v1\.Pod',/);
  const undefinedKinds = Object.values(KINDS).filter((def) => bundle.definitions[def] === undefined);
  t.same(undefinedKinds, [], 'every GVK names a definition');
  t.same(Object.values(KINDS).filter((def) => typeof validatorOf(def) !== 'function'), [], 'every kind has a validator');
  t.equal(Object.keys(bundle.definitions).length, 771);
  t.match(types, /export type Pod = CoreV1Pod;/);
  t.match(types, /'apps\/v1\/Deployment': AppsV1Deployment;/);
  // A tie between groups gets no short name rather than a silent pick.
  t.notMatch(types, /export type Subject = /);
});
