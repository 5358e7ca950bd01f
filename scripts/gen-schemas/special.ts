// Definitions whose Swagger form does not say what the API server accepts. Each
// entry replaces the generic translation of that one definition, with the reason.
import { qualifiedTypeName } from './swagger.ts';
import type { Translation } from './translation.ts';

const PROPS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
const PROPS_TYPE = qualifiedTypeName(PROPS);

export const SPECIAL: Readonly<Record<string, Translation>> = {
  // Declared {"type":"string"}, but the decoder also takes JSON numbers (cpu: 1) and
  // only accepts the quantity grammar.
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { node: 'quantity', type: 'string | number' },
  // Same format as Time, but decoded with a fixed six-digit fraction.
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { node: 'microTime', type: 'string | null' },
  // Declared {} (any); Go decodes them into one of two shapes.
  [`${PROPS}OrArray`]: { node: { union: [{ ref: PROPS }, { array: { ref: PROPS } }] }, type: `${PROPS_TYPE} | ${PROPS_TYPE}[]` },
  [`${PROPS}OrBool`]: { node: { union: ['boolean', { ref: PROPS }] }, type: `boolean | ${PROPS_TYPE}` },
  [`${PROPS}OrStringArray`]: { node: { union: [{ ref: PROPS }, { array: 'string' }] }, type: `${PROPS_TYPE} | string[]` },
};
