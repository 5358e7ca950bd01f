// What translating one Swagger definition yields: the schema node that validates
// it (src/schemas/ir.ts) and the TypeScript type it guarantees. In a module of its
// own so the special cases (special.ts) can name it without importing the
// translator that consumes them (translate.ts): imports run one way.
import type { IrNode } from '../../src/schemas/ir.ts';

export interface Translation {
  node: IrNode;
  type: string;
}
