// The configuration file: `--config FILE`, else KADMIT_CONFIG, else a
// `kadmit.yaml` in the working directory (a policy project's root). Paths in it
// are relative to the file, so a project works from any directory and in its
// image alike; paths given as flags or environment stay relative to the
// working directory, as on any command line.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { errorMessage, UsageError } from '../errors.ts';
import { isObject } from '../json.ts';
import { SERVE_OPTIONS } from './options.ts';
import { isModulePath, moduleIdentity } from '../webhooks/module-spec.ts';

export const CONFIG_FILE_NAME = 'kadmit.yaml';
// A configuration file is a page of settings; anything near this is not one.
const MAX_CONFIG_BYTES = 1024 * 1024;
// yaml is loaded only when there is a file to read: `kadmit serve` configured by
// flags and environment alone never needs its 72 modules.
const requireHere = createRequire(import.meta.url);

/** Settings that only the policy-project commands read; `kadmit serve` ignores them. */
export interface ProjectSettings {
  /** Fixture files or folders `kadmit replay` runs when given none (absolute). */
  fixtures?: string[];
}

export interface ConfigFile {
  path: string;
  /** Serve settings, with path-valued ones made absolute. */
  settings: Record<string, unknown>;
  /** Serve settings exactly as written (paths relative to the file's folder). */
  written: Record<string, unknown>;
  project: ProjectSettings;
}

/** Where the configuration comes from, or undefined when there is none. */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) return resolve(cwd, explicit);
  if (env.KADMIT_CONFIG) return resolve(cwd, env.KADMIT_CONFIG);
  const local = join(cwd, CONFIG_FILE_NAME);
  return existsSync(local) ? local : undefined;
}

// Keys whose values are file system paths (each a string or a list of strings).
const PATH_KEYS = new Set<string>(SERVE_OPTIONS.filter((o) => 'path' in o && o.path).map((o) => o.key));

/**
 * The file's policy settings for the webhooks served when the list comes from
 * a flag or the environment instead: keyed by the spec as served, and only for
 * webhooks that are served (a subset of the file's webhooks is a normal override).
 */
export function settingsForServed(settings: Record<string, unknown>, served: readonly string[], cwd: string): Record<string, unknown> {
  const byIdentity = new Map(served.map((spec) => [moduleIdentity(spec, cwd), spec]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const spec = byIdentity.get(moduleIdentity(key, cwd));
    if (spec !== undefined) out[spec] = value;
  }
  return out;
}

function fromFile(base: string, value: string): string {
  return value === '' || isAbsolute(value) ? value : resolve(base, value);
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${errorMessage(err)}`);
  }
  let doc: unknown;
  try {
    doc = (requireHere('yaml') as typeof import('yaml')).parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid YAML: ${errorMessage(err)}`);
  }
  if (doc === null || doc === undefined) return { path, settings: {}, written: {}, project: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config file ${path} must be a mapping of settings`);
  const base = dirname(path);
  const { fixtures, ...written } = doc as Record<string, unknown>;
  const settings = { ...written };
  const project: ProjectSettings = {};
  if (fixtures !== undefined) {
    const list = typeof fixtures === 'string' ? [fixtures] : fixtures;
    if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f !== '')) {
      throw new UsageError(`${path}: fixtures: expected a path or a list of paths (files or folders)`);
    }
    project.fixtures = list.map((f: string) => fromFile(base, f));
  }
  for (const key of PATH_KEYS) {
    const value = settings[key];
    if (typeof value === 'string') settings[key] = fromFile(base, value);
    else if (Array.isArray(value)) settings[key] = value.map((v) => (typeof v === 'string' ? fromFile(base, v) : v));
  }
  // Module paths in `webhooks`, and the `settings` keyed by them, move together.
  if (Array.isArray(settings.webhooks)) {
    settings.webhooks = settings.webhooks.map((s) => (typeof s === 'string' && isModulePath(s) ? fromFile(base, s) : s));
  }
  const policySettings = settings.settings;
  if (isObject(policySettings)) {
    settings.settings = Object.fromEntries(Object.entries(policySettings).map(([spec, value]) => [isModulePath(spec) ? fromFile(base, spec) : spec, value]));
  }
  return { path, settings, written, project };
}
