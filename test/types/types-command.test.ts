// `kadmit types`: declarations from CRD schemas (each served version, required
// and optional fields, nullable, enums, int-or-string, preserved unknown fields,
// maps, embedded resources, descriptions), the CustomKinds augmentation, bounds
// and errors that name the file and the path. The output is type-checked.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseCrdManifests } from '../../src/schemas/crd.ts';
import { crdDeclarations } from '../../src/schemas/typegen/crd-declarations.ts';
import { runCli } from '../helpers/process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { repoRoot, typeCheck } from './support/compiler.ts';

const GUESTBOOK = 'examples/crds/guestbook.yaml';
const COMMITTED = 'test/types/guestbook.d.ts';

function crd(group: string, kind: string, versions: Array<{ name: string; served?: boolean; storage?: boolean; schema: unknown }>): Record<string, unknown> {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { plural, kind },
      versions: versions.map((v, i) => ({ name: v.name, served: v.served ?? true, storage: v.storage ?? i === 0, schema: { openAPIV3Schema: v.schema } })),
    },
  };
}

const widgetSchema = {
  type: 'object',
  description: 'A Widget.\nIt has parts; no */ comment breaks out.',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', enum: [1, 2, 3], description: 'How big.' },
        mode: { type: 'string', enum: ['fast', 'safe'], nullable: true },
        port: { 'x-kubernetes-int-or-string': true },
        'tls-secret': { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { kept: { type: 'boolean' } } },
        anything: { 'x-kubernetes-preserve-unknown-fields': true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        matrix: { type: 'array', items: { type: 'array', items: { type: 'number', nullable: true } } },
        when: { type: 'string', format: 'date-time', nullable: true },
      },
    },
  },
};

const widgets = [crd('example.com', 'Widget', [
  { name: 'v1', schema: widgetSchema },
  { name: 'v1beta1', storage: false, schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } },
  { name: 'v1alpha1', served: false, storage: false, schema: { type: 'object' } },
])];

function declarations(objects: unknown[], source = 'widgets.yaml'): string {
  return crdDeclarations(parseCrdManifests(objects.map((o) => stringify(o)).join('---\n'), source), 'kadmit types --crd widgets.yaml');
}

t.test('the committed Guestbook declarations are what kadmit types writes', async (t) => {
  const manifests = parseCrdManifests(readFileSync(join(repoRoot, GUESTBOOK), 'utf8'), GUESTBOOK);
  t.equal(crdDeclarations(manifests, `kadmit types --crd ${GUESTBOOK} --out ${COMMITTED}`), readFileSync(join(repoRoot, COMMITTED), 'utf8'),
    `stale: run npx kadmit types --crd ${GUESTBOOK} --out ${COMMITTED}`);
});

t.test('each served version, typed as kadmit checks it, registered in CustomKinds', async (t) => {
  const text = declarations(widgets);
  for (const line of [
    "import type { ObjectMeta } from 'kadmit/schemas';",
    'export interface WidgetV1 {',
    '  apiVersion: string;',
    '  metadata?: ObjectMeta;',
    '    size: 1 | 2 | 3;',
    "    mode?: 'fast' | 'safe' | null;",
    '    port?: number | string | null;',
    "    'tls-secret'?: string | null;",
    '    labels?: { [key: string]: string | null } | null;',
    '      kept?: boolean | null;',
    '      [key: string]: unknown;',
    '    anything?: unknown;',
    '    matrix?: Array<Array<number | null>> | null;',
    '    when?: string | null;',
    '    /** How big. */',
    ' * It has parts; no *\\/ comment breaks out.',
    'export interface WidgetV1beta1 {',
    'export type Widget = WidgetV1;',
    "    'example.com/v1/Widget': WidgetV1;",
    "    'example.com/v1beta1/Widget': WidgetV1beta1;",
  ]) t.ok(text.split('\n').includes(line), line);
  t.notMatch(text, /V1alpha1/, 'a version that is not served gets no type');
  t.match(text, /template\?: \{\n\s+apiVersion: string;\n\s+kind: string;\n\s+metadata\?: ObjectMeta;\n\s+\[key: string\]: unknown;\n\s+\} \| null;/, 'an embedded resource');
});

t.test('the declarations compile and type a webhook of the kind', async (t) => {
  const dts = join(repoRoot, 'test/types/__widgets.d.ts');
  const use = join(repoRoot, 'test/types/__widgets-use.ts');
  const source = [
    "import { allow, defineValidatingWebhook } from 'kadmit';",
    "import type { Widget } from './__widgets.d.ts';",
    'export default defineValidatingWebhook({',
    "  name: 'widgets.test.kadmit.dev', path: '/w', kinds: ['example.com/v1/Widget', 'example.com/v1beta1/Widget'],",
    "  rules: [{ operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['*'], resources: ['widgets'] }],",
    '  validate({ object }) {',
    "    if (object?.apiVersion === 'example.com/v1') { const size: 1 | 2 | 3 | undefined = object.spec?.size; return size ? allow() : allow(); }",
    '    const size: string | null | undefined = object?.spec?.size;',
    '    return size ? allow() : allow();',
    '  },',
    '});',
    "export const w: Widget = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 2, labels: { a: 'b' }, extra: { kept: true, other: 1 } } };",
    '// @ts-expect-error size is 1, 2 or 3',
    "export const bad: Widget = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 4 } };",
  ].join('\n');
  const { diagnostics } = typeCheck([dts, use], { virtual: new Map([[dts, declarations(widgets)], [use, source]]) });
  t.same(diagnostics, []);
});

t.test('errors name the file, the CRD and the path', async (t) => {
  t.throws(() => declarations([]), { code: 'KADMIT_TYPES', message: 'no CustomResourceDefinition found' });
  t.throws(() => declarations([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }]), { code: 'KADMIT_CRD_INVALID', message: /widgets\.yaml#1: expected an apiextensions\.k8s\.io\/v1 CustomResourceDefinition/ });
  const untyped = crd('example.com', 'Widget', [{ name: 'v1', schema: { type: 'object', properties: { spec: { properties: {} } } } }]);
  t.throws(() => declarations([untyped]), { code: 'KADMIT_CRD_INVALID', message: /CRD widgets\.example\.com \(widgets\.yaml#1\): spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.type/ });
  const twin = crd('other.example.com', 'Widget', [{ name: 'v1', schema: { type: 'object' } }]);
  t.throws(() => declarations([...widgets, twin]), { code: 'KADMIT_TYPES', message: /CRD widgets\.other\.example\.com \(widgets\.yaml#2\): spec\.versions\[0\]\.schema\.openAPIV3Schema: the type name WidgetV1 is taken by CRD widgets\.example\.com/ });
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 70; i++) deep = { type: 'array', items: deep };
  const tooDeep = crd('example.com', 'Widget', [{ name: 'v1', schema: { type: 'object', properties: { spec: deep } } }]);
  t.throws(() => declarations([tooDeep]), { code: 'KADMIT_TYPES', message: /openAPIV3Schema\.properties\.spec(\.items){64,}: schema nested deeper than 64 levels/ });
});

t.test('the command: --help, --out, usage errors, a file too big', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kadmit-types-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const help = await runCliInProcess(['types', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: kadmit types --crd FILE/);
  const out = join(dir, 'guestbook.d.ts');
  const wrote = await runCliInProcess(['types', '--crd', GUESTBOOK, '--out', out]);
  t.equal(wrote.code, 0, wrote.stderr);
  t.match(readFileSync(out, 'utf8'), "'webapp.example.com/v1/Guestbook': GuestbookV1;");
  const missing = await runCliInProcess(['types']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, '--crd FILE is required');
  const big = join(dir, 'big.yaml');
  writeFileSync(big, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
  const tooBig = await runCli(['types', '--crd', big]);
  t.equal(tooBig.code, 1);
  t.match(tooBig.stderr, /CRD file .*big\.yaml is 16777217 bytes, over the limit of 16777216 \[KADMIT_CRD_PARSE\]/);
});
