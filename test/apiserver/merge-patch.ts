// RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces.
import { clone, isObject, setKey, type Json } from './json.ts';

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else setKey(out, key, applyMergePatch(Object.hasOwn(out, key) ? out[key]! : null, value));
  }
  return out;
}
