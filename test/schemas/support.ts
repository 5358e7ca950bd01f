// Shared helpers for the schema tests (not a test file itself).
import { readFileSync } from 'node:fs';
import type { CrdManifest } from '../../src/schemas/crd.ts';
import type { GroupVersionKind } from '../../src/schemas/gvk.ts';
import { SchemaRegistry, formatIssues, type CheckOptions, type RegistryOptions } from '../../src/schemas/registry.ts';

export const root = new URL('../../', import.meta.url);

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, root), 'utf8'));
}

/** A fresh copy of the Pod inside test/fixtures/pod-create-5k.json. */
export function pod5k(): Record<string, any> {
  const review = readJson('test/fixtures/pod-create-5k.json') as { request: { object: Record<string, any> } };
  return review.request.object;
}

export const POD: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };

/** Freezes a JSON value all the way down, so any write by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// A Widget CRD (example.com/v1) for tests that need a custom resource of a given schema.
export const WIDGET: GroupVersionKind = { group: 'example.com', version: 'v1', kind: 'Widget' };

export function widgetCrd(schema: unknown, extra: { versions?: unknown[]; name?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: extra.name ?? 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets' },
      versions: extra.versions ?? [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  };
}

export function manifest(object: unknown, source = 'test'): CrdManifest {
  return { source, object };
}

/** A registry with one Widget CRD whose `spec` has the given schema. */
export function withSpec(spec: unknown, options: RegistryOptions = {}): SchemaRegistry {
  return SchemaRegistry.builtin(options).withCrds([manifest(widgetCrd({ type: 'object', properties: { spec } }))]);
}

export function widget(spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec, ...extra };
}

/** '' when the Widget is valid, else its issues as one line. */
export function check(reg: SchemaRegistry, object: unknown, options: CheckOptions = {}): string {
  const r = reg.check(WIDGET, object, options);
  return r.ok ? '' : formatIssues(r.issues, 4096);
}
