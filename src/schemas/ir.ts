// The committed, generated description of the built-in schemas: a small JSON
// vocabulary the generator writes and builders.ts turns into zod schemas on first
// use (to explain a no). Data rather than code, so loading it is one JSON.parse.
// The generator also turns it into the yes/no validators (generated/validators/).

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
  /** Definition name (`io.k8s.api.core.v1.Pod`) -> its schema. */
  definitions: Record<string, IrNode>;
}
