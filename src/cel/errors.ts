// Errors raised inside CEL functions. They are the evaluator's own error type,
// so CEL's rules apply to them as to built-in errors: `true || f()` is true even
// when f fails, and `all`/`exists` absorb an error that another element decides.
import { EvaluationError } from '@marcbachmann/cel-js';

export function celError(message: string): Error {
  return new EvaluationError(message);
}
