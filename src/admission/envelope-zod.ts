// What envelope.ts needs only for a body its plain check does not pass: the
// envelope's zod schema. Plain re-exports, with no TypeScript syntax, so that
// envelope.ts can require() it on first need: the test suite loads the sources
// through a loader hook (tap's process tracking) that does not strip types
// from a module loaded by require().
export { reviewSchema } from './envelope-schema.ts';
