// Shared helpers for the certificate tests (not a test file itself).
import { execFile } from 'node:child_process';
import pino from 'pino';
import type { Logger } from 'pino';

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Collects log records so tests can assert on what was said. */
export function recordingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

export function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

export const SVC = 'kadmit';
export const NS = 'kadmit';
export const HOST = 'kadmit.kadmit.svc';
