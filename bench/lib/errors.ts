// A setup failure the user can fix: printed as one message, no stack, exit 1.
export class BenchError extends Error {
  override name = 'BenchError';
}
