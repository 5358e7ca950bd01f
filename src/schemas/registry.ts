// The schema layer's API for the admission pipeline: is there a schema for this
// GVK, and does this unstructured object fit it? The object is only read, never
// copied or converted: whatever passes is handed on exactly as it arrived.
import { DEFAULT_BOUNDS, countNodes } from './bounds.ts';
import type { Bounds } from './bounds.ts';
import type { DefinitionCompiler, Schema } from './builders.ts';
import type { CrdManifest } from './crd-compile.ts';
import type { CrdRuleLayer } from './crd-rule-layer.ts';
import type { RuleBudget } from './crd-rules-run.ts';
import type * as CrdRuntime from './crd-runtime.ts';
import type * as ZodRuntime from './zod-runtime.ts';
import { KINDS } from './generated/kinds.ts';
import { apiVersionOf, gvkKey, gvkString } from './gvk.ts';
import type { GroupVersionKind } from './gvk.ts';
import { fromZodIssues, issue } from './issues.ts';
import type { SchemaIssue } from './issues.ts';
import { renderValue } from './leaves.ts';
import { validatorOf } from './validators.ts';
import { onFirstUse } from '../own-modules.ts';
import { KadmitError } from '../errors.ts';
import type * as z from 'zod';

export type { GroupVersionKind } from './gvk.ts';
export type { SchemaIssue } from './issues.ts';
export { formatIssues } from './issues.ts';
export { checkBounds, DEFAULT_BOUNDS } from './bounds.ts';
export type { Bounds } from './bounds.ts';
export { KUBERNETES_VERSION } from './generated/kinds.ts';

/**
 * The CRD compiler and rule runtime (CEL and ~20 modules: about 5 MiB per thread
 * compiled, 12 from the sources), loaded by the first withCrds(): a thread that
 * checks only built-in kinds never holds them. withCrds stays synchronous.
 */
const crdRuntime = onFirstUse<typeof CrdRuntime>(import.meta.url, './crd-runtime');

/**
 * zod and the definitions it compiles (builders.ts, schemas.json), loaded the
 * first time a built-in object fails (to explain why) or by withCrds(): a thread
 * whose objects all fit never holds them.
 */
const zodRuntime = onFirstUse<typeof ZodRuntime>(import.meta.url, './zod-runtime');

export type SchemaCheck = { ok: true } | { ok: false; issues: SchemaIssue[] };

export interface RegistryOptions {
  /** Reject enum values the pinned release does not list (default: accept any string). */
  strictEnums?: boolean;
  /** Limits checked before validation (default DEFAULT_BOUNDS). */
  bounds?: Partial<Bounds>;
  /** Most issues one check reports (default 50); the first ones are the useful ones. */
  maxIssues?: number;
  /**
   * Most cost units one CRD validation rule may use in one evaluation (default
   * 1,000,000, the API server's); all rules on one object may use ten times that.
   */
  celCostLimit?: number;
}

export interface CheckOptions {
  /** The stored object on UPDATE: transition rules (oldSelf) compare against it. */
  oldObject?: unknown;
  /** Evaluate CRD validation rules and list types (default true); off for objects the API server does not validate again. */
  rules?: boolean;
  /**
   * At least the object's size, as the caller has measured it (its values, and
   * the depth of its deepest value below it): within the bounds, they are not
   * walked again before the schema check.
   */
  sizeAtMost?: { values: number; depth: number };
}

interface CrdEntry {
  schema: Schema;
  ruleLayer?: CrdRuleLayer;
}

const OK: SchemaCheck = Object.freeze({ ok: true });

// Up to this size a failing object gets every issue listed (then capped by
// maxIssues); above it the report stops at the first issue, so a million bad
// values cost neither a million issues nor a stack overflow in zod's collection.
const FULL_REPORT_NODES = 10_000;
const FULL_REPORT: z.core.ParseContext<z.core.$ZodIssue> = { reportInput: true };
// abortEarly is zod's internal flag behind validate(); safeParse passes it through.
const FIRST_ISSUE = { reportInput: true, abortEarly: true } as z.core.ParseContext<z.core.$ZodIssue>;

/** The zod schemas of the built-in definitions, made on first need and shared by the registries withCrds() derives. */
interface ZodCell {
  readonly strictEnums: boolean;
  compiler?: DefinitionCompiler;
}

export class SchemaRegistry {
  readonly #zod: ZodCell;
  readonly #strictEnums: boolean;
  readonly #crds: ReadonlyMap<string, CrdEntry>;
  readonly #bounds: Bounds;
  readonly #maxIssues: number;
  #ruleBudget: RuleBudget | undefined;
  readonly #options: RegistryOptions;

  private constructor(zod: ZodCell, crds: ReadonlyMap<string, CrdEntry>, options: RegistryOptions) {
    this.#zod = zod;
    this.#strictEnums = zod.strictEnums;
    this.#crds = crds;
    this.#options = options;
    this.#bounds = { ...DEFAULT_BOUNDS, ...options.bounds };
    this.#maxIssues = options.maxIssues ?? 50;
  }

  /** What CRD validation rules may cost: only a registry with CRDs asks (see crdRuntime). */
  #rulesBudget(): RuleBudget {
    if (this.#ruleBudget === undefined) {
      const { DEFAULT_RULE_BUDGET } = crdRuntime();
      const perCall = this.#options.celCostLimit ?? DEFAULT_RULE_BUDGET.perCall;
      this.#ruleBudget = { perCall, perObject: perCall * (DEFAULT_RULE_BUDGET.perObject / DEFAULT_RULE_BUDGET.perCall) };
    }
    return this.#ruleBudget;
  }

  /** Every built-in kind of the pinned release; nothing is loaded until first checked. */
  static builtin(options: RegistryOptions = {}): SchemaRegistry {
    return new SchemaRegistry({ strictEnums: options.strictEnums === true }, new Map(), options);
  }

  #compiler(): DefinitionCompiler {
    return (this.#zod.compiler ??= zodRuntime().builtinCompiler({ strictEnums: this.#zod.strictEnums }));
  }

  /**
   * A registry that also knows every served version of these CRDs. Throws a
   * KadmitError (KADMIT_CRD_INVALID, KADMIT_CRD_CONFLICT) naming the CRD and the
   * schema path when one cannot be used. Compiled now, so a bad CRD fails start-up.
   */
  withCrds(manifests: readonly CrdManifest[]): SchemaRegistry {
    const crds = new Map(this.#crds);
    for (const version of crdRuntime().compileCrds(manifests, this.#compiler())) {
      const key = gvkKey(version.gvk);
      if (crds.has(key) || Object.hasOwn(KINDS, key)) {
        throw new KadmitError('KADMIT_CRD_CONFLICT', `CRD ${version.crd} (${version.source}) defines ${gvkString(version.gvk)}, which already has a schema`);
      }
      crds.set(key, version.ruleLayer === undefined ? { schema: version.schema } : { schema: version.schema, ruleLayer: version.ruleLayer });
    }
    return new SchemaRegistry(this.#zod, crds, this.#options);
  }

  has(gvk: GroupVersionKind): boolean {
    const key = gvkKey(gvk);
    return this.#crds.has(key) || Object.hasOwn(KINDS, key);
  }

  /** GVK keys (`apps/v1/Deployment`) this registry can check, sorted. */
  keys(): string[] {
    return [...Object.keys(KINDS), ...this.#crds.keys()].sort();
  }

  /**
   * Validates `object` as an object of `gvk`: bounds first, then `apiVersion` and
   * `kind` against the GVK, then the schema; for a CRD whose shape fits, then its
   * list types and validation rules (with `options.oldObject` for transition
   * rules). A GVK without a schema fails with one issue naming it (use has() to
   * decide whether to pass such objects through).
   */
  check(gvk: GroupVersionKind, object: unknown, options: CheckOptions = {}): SchemaCheck {
    const known = options.sizeAtMost;
    const measured = known !== undefined && known.values <= this.#bounds.maxNodes && known.depth <= this.#bounds.maxDepth;
    const nodes = measured ? undefined : countNodes(object, this.#bounds);
    if (typeof nodes === 'object') return { ok: false, issues: [nodes] };
    const key = gvkKey(gvk);
    const crd = this.#crds.get(key);
    const definition = crd === undefined && Object.hasOwn(KINDS, key) ? KINDS[key]! : undefined;
    if (crd === undefined && definition === undefined) {
      return { ok: false, issues: [{ ...issue('', 'a kind with a schema', gvkString(gvk)), message: `no schema for ${gvkString(gvk)}` }] };
    }
    const issues = typeMetaIssues(gvk, object);
    // Fast path: a yes/no check that stops at the first problem (the generated
    // validator of a built-in kind, zod's validate for a CRD); only a failure
    // pays for the full parse that collects every issue.
    if (issues.length === 0 && (crd === undefined ? validatorOf(definition!)(object, this.#strictEnums) : crd.schema.validate(object))) {
      // Rules read typed values: they run only on objects whose shape fits.
      if (crd?.ruleLayer === undefined || options.rules === false) return OK;
      const ruleIssues = crdRuntime().checkRuleLayer(crd.ruleLayer, object, options.oldObject ?? undefined, this.#rulesBudget(), this.#maxIssues);
      return ruleIssues.length === 0 ? OK : { ok: false, issues: ruleIssues };
    }
    const schema = crd?.schema ?? this.#compiler().ref(definition!);
    // Counted now if the bounds were taken as measured: a failing object is rare.
    const count = nodes ?? countNodes(object, this.#bounds);
    const parsed = schema.safeParse(object, typeof count === 'number' && count <= FULL_REPORT_NODES ? FULL_REPORT : FIRST_ISSUE);
    if (!parsed.success) issues.push(...fromZodIssues(parsed.error.issues, this.#maxIssues - issues.length));
    return issues.length === 0 ? OK : { ok: false, issues };
  }

}

// The API server always sets apiVersion and kind on the objects it sends; a
// mismatch with request.kind means the object is not what the review claims.
function typeMetaIssues(gvk: GroupVersionKind, object: unknown): SchemaIssue[] {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return [];
  const o = object as Record<string, unknown>;
  const out: SchemaIssue[] = [];
  const apiVersion = apiVersionOf(gvk);
  if (o['apiVersion'] !== apiVersion) out.push(issue('apiVersion', JSON.stringify(apiVersion), received(o['apiVersion'])));
  if (o['kind'] !== gvk.kind) out.push(issue('kind', JSON.stringify(gvk.kind), received(o['kind'])));
  return out;
}

function received(v: unknown): string {
  return v === undefined ? 'missing' : renderValue(v);
}
