// The committed, generated description of the built-in schemas: a small JSON
// vocabulary the generator writes and builders.ts turns into zod schemas on first
// use. Data rather than code, so loading it is one JSON.parse (a few ms) instead
// of type-stripping and compiling 200 KB of generated TypeScript at start-up.

/** Scalars and free-form values; see builders.ts for what each accepts. */
export type IrLeaf =
  | 'string'
  | 'boolean'
  | 'double'
  | 'int32'
  | 'int64'
  | 'byte'
  | 'dateTime'
  | 'microTime'
  | 'intOrString'
  | 'quantity'
  | 'any'
  | 'anyObject';

export type IrNode =
  | IrLeaf
  | { ref: string }
  | { array: IrNode }
  | { map: IrNode }
  | { enum: string[] }
  | { object: Record<string, IrNode>; required?: string[] }
  | { union: IrNode[] };

export interface SchemaBundle {
  generatedBy: string;
  kubernetesVersion: string;
  source: string;
  /** GVK key (`apps/v1/Deployment`, `v1/Pod`) -> definition name. */
  kinds: Record<string, string>;
  /** Definition name (`io.k8s.api.core.v1.Pod`) -> its schema. */
  definitions: Record<string, IrNode>;
}
