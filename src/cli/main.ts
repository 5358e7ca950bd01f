#!/usr/bin/env node
// kadmit's command line: runs a command (kadmit.ts) on this process's streams
// and environment, and exits with its code.
import { enableCompileCache } from 'node:module';
import type { CliIo } from './io.ts';
import { reportFailure, runKadmit } from './kadmit.ts';

// V8's code cache for the modules the command loads (most of start-up is module
// loading); where the cache directory cannot be written it is simply off.
const cache = enableCompileCache();
// Worker threads do not inherit the call, only the environment variable: without
// it each review worker compiles (and, from the sources, strips) every module again.
if (cache.directory !== undefined) process.env.NODE_COMPILE_CACHE ??= cache.directory;

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

runKadmit(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportFailure(err, io);
    // A failed command exits even if a connection or a timer it started lingers.
    setTimeout(() => process.exit(), 2_000).unref();
  },
);
