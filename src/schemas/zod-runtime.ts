// What the schema registry needs only to explain a no about a built-in kind (or
// to compile CRDs): zod, and the definitions it compiles. Plain re-exports, so
// registry.ts can require() it on first need.
export { builtinCompiler } from './builders.ts';
