// The JSON limits a request body is held to, as configured. A module of its own,
// free of zod: a review worker's setup carries them, and a worker loads no zod.
import type { JsonLimits } from '../admission/json-limits.ts';
import type { ServeConfig } from './options.ts';

export function jsonLimitsOf(config: Pick<ServeConfig, 'jsonMaxDepth' | 'jsonMaxEntries' | 'jsonMaxValues'>): JsonLimits {
  return { maxDepth: config.jsonMaxDepth, maxEntries: config.jsonMaxEntries, maxValues: config.jsonMaxValues };
}
