#!/usr/bin/env node
// Runs the compiled CLI when it exists (the container image), else the sources
// through Node's type stripping (a checkout).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
