// A map of Kubernetes labels in a file kadmit reads (a manifests configuration,
// a replay fixture), as a zod schema: each bad key named where it is written,
// the count bounded. Apart from labels.ts so that the code that checks a label
// while serving does not load zod.
import { z } from 'zod';
import { isLabelKey, isLabelValue } from '../labels.ts';

const MAX_LABELS = 256;

export const labelsSchema = z.record(z.string(), z.string().refine(isLabelValue, 'expected a label value (at most 63 letters, digits, "-", "_", ".")')).superRefine((map, ctx) => {
  const keys = Object.keys(map);
  if (keys.length > MAX_LABELS) ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_LABELS} labels` });
  for (const key of keys) {
    if (!isLabelKey(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'expected a label key such as "team" or "example.com/team"' });
  }
});
