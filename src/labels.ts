// Kubernetes label syntax, as the apiserver validates it: a key is an optional
// DNS-subdomain prefix (at most 253 characters) and "/", then a name of at most
// 63 characters; a value is empty or such a name. Also as a zod schema for a
// map of labels, each bad key named where it is written, the count bounded.
import { z } from 'zod';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_LABELS = 256;

export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

export const labelsSchema = z.record(z.string(), z.string().refine(isLabelValue, 'expected a label value (at most 63 letters, digits, "-", "_", ".")')).superRefine((map, ctx) => {
  const keys = Object.keys(map);
  if (keys.length > MAX_LABELS) ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_LABELS} labels` });
  for (const key of keys) {
    if (!isLabelKey(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'expected a label key such as "team" or "example.com/team"' });
  }
});
