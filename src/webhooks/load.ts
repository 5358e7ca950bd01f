// Loads webhook definitions from modules. A module's default export is a webhook
// or an array of them; `builtin:<name>` names a module shipped in src/policies.
// Loading by module URL is what lets a worker thread import the same code.
import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KadmitError, errorMessage } from '../errors.ts';
import { isWebhook } from './define.ts';
import type { Webhook } from '../model/webhook.ts';
import { isPolicy } from './policy.ts';
import { formatJsonPath } from '../json-path.ts';
import { moduleIdentity } from './module-spec.ts';
import { MODULE_EXT } from '../own-modules.ts';

const BUILTIN_DIR = new URL('../policies/', import.meta.url);

export interface LoadedWebhook {
  webhook: Webhook;
  /** URL of the module that defines it, and the index among the webhooks it makes. */
  moduleUrl: string;
  index: number;
}

// A module named without an extension is found as compiled JavaScript or as
// TypeScript, so one kadmit.yaml names a policy both in its project (the .ts
// source) and in its image (the compiled .js).
const MODULE_EXTENSIONS = ['.js', '.ts', '.mjs', '.mts'];

export function resolveWebhookModule(spec: string, cwd = process.cwd()): string {
  if (spec.startsWith('builtin:')) {
    const name = spec.slice('builtin:'.length);
    const url = new URL(`${name}${MODULE_EXT}`, BUILTIN_DIR);
    if (!/^[a-z0-9-]+$/.test(name) || !existsSync(url)) throw new KadmitError('KADMIT_WEBHOOK_MODULE', `unknown built-in webhook "${name}"`);
    return url.href;
  }
  const path = resolve(cwd, spec);
  if (isFile(path)) return pathToFileURL(path).href;
  const found = extname(path) === '' ? MODULE_EXTENSIONS.map((ext) => path + ext).filter(isFile) : [];
  if (found.length > 1) throw new KadmitError('KADMIT_WEBHOOK_MODULE', `webhook module ${spec} is ambiguous: ${found.join(' and ')} both exist; name one with its extension`);
  if (found.length === 0) {
    const tried = extname(path) === '' ? ` (tried ${MODULE_EXTENSIONS.map((e) => basename(path) + e).join(', ')})` : '';
    throw new KadmitError('KADMIT_WEBHOOK_MODULE', `webhook module ${spec} does not exist (resolved to ${path})${tried}`);
  }
  return pathToFileURL(found[0]!).href;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/** Settings per webhook spec as written in the configuration, e.g. `{ "builtin:pod-security": {...} }`. */
export type PolicySettings = Readonly<Record<string, unknown>>;

export async function importWebhooks(moduleUrl: string, settings?: unknown, label = moduleUrl): Promise<Webhook[]> {
  let mod: { default?: unknown };
  try {
    mod = (await import(moduleUrl)) as { default?: unknown };
  } catch (err) {
    throw new KadmitError('KADMIT_WEBHOOK_MODULE', `cannot load webhook module ${moduleUrl}: ${errorMessage(err)}`, { cause: err });
  }
  if (isPolicy(mod.default)) {
    // Checked once per load: zod's compiled fast path would cost more to build than it saves.
    const parsed = mod.default.settings.safeParse(settings ?? {}, { jitless: true });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `settings["${label}"].${formatJsonPath(i.path, '(root)')}: ${i.message}`);
      throw new KadmitError('KADMIT_POLICY_SETTINGS', `invalid policy settings:\n  ${problems.join('\n  ')}`);
    }
    const made = mod.default.webhooks(parsed.data);
    return Array.isArray(made) ? [...made] : [made as Webhook];
  }
  if (settings !== undefined) throw new KadmitError('KADMIT_POLICY_SETTINGS', `settings["${label}"] given, but ${label} takes no settings`);
  const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
  exported.forEach((w, i) => {
    if (!isWebhook(w)) {
      throw new KadmitError('KADMIT_WEBHOOK_MODULE',
        `${moduleUrl}: default export${Array.isArray(mod.default) ? `[${i}]` : ''} is not a webhook; export defineValidatingWebhook(...) or defineMutatingWebhook(...)`);
    }
  });
  return exported as Webhook[];
}

/**
 * `reloadQuery` (e.g. `?reload=2`) imports each module anew on this thread, where a
 * module is otherwise loaded once per process; what it imports is not reloaded.
 */
export async function loadWebhooks(specs: readonly string[], settings: PolicySettings = {}, cwd?: string, reloadQuery = ''): Promise<LoadedWebhook[]> {
  // Settings are matched to webhooks by what they name: `./policies/a` and `./policies/a.ts` are one module.
  const base = cwd ?? process.cwd();
  const served = new Map(specs.map((spec) => [moduleIdentity(spec, base), spec]));
  const settingsBySpec = new Map(Object.entries(settings).map(([key, value]) => [served.get(moduleIdentity(key, base)) ?? key, value]));
  const unknown = [...settingsBySpec.keys()].filter((key) => !specs.includes(key));
  if (unknown.length > 0) throw new KadmitError('KADMIT_POLICY_SETTINGS', `settings given for ${unknown.join(', ')}, which is not among the webhooks served`);
  const loaded: LoadedWebhook[] = [];
  for (const spec of specs) {
    const moduleUrl = resolveWebhookModule(spec, cwd);
    (await importWebhooks(moduleUrl + reloadQuery, settingsBySpec.get(spec), spec)).forEach((webhook, index) => loaded.push({ webhook, moduleUrl, index }));
  }
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const { webhook } of loaded) {
    if (names.has(webhook.name)) throw new KadmitError('KADMIT_WEBHOOK_DUPLICATE', `two webhooks are named "${webhook.name}"`);
    if (paths.has(webhook.path)) throw new KadmitError('KADMIT_WEBHOOK_DUPLICATE', `two webhooks are served on ${webhook.path}`);
    names.add(webhook.name);
    paths.add(webhook.path);
  }
  return loaded;
}
