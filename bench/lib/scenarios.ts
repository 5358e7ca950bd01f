// The HTTP scenarios, in the order each round drives them (A B C A B C ...).
// To add one: a kadmit variant is a new `flags` set (scenarios with identical
// flags share one server process); a new workload is a new `path`/`body`.
// Ratios are listed per scenario in `compareTo` and printed for those present.

export type ServerSpec =
  | { kind: 'kadmit'; flags: readonly string[] }
  | { kind: 'nodelimit' }
  | { kind: 'go' };

export interface Scenario {
  /** Short unique name: used in the output, `--only` and the JSON. */
  name: string;
  description: string;
  server: ServerSpec;
  /** Request path and query. */
  path: string;
  /** AdmissionReview to POST, relative to the repository root (sent as one line). */
  body: string;
  /** Names of scenarios to divide this one's median req/s by. */
  compareTo?: readonly string[];
  /** A server that fails to start skips this scenario (with the reason) instead of stopping the bench. */
  optional?: boolean;
}

export const POD_CREATE_5K = 'test/fixtures/pod-create-5k.json';

/** kadmit as the integrator ships it for this bench: one validating webhook, default log level (info). */
export const KADMIT_FLAGS = ['--webhook', 'builtin:require-memory-limits'] as const;

const KADMIT_PATH = '/validate/require-memory-limits?timeout=10s';

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'kadmit',
    description: 'kadmit serve, require-memory-limits, default log level (info: one JSON line per review)',
    server: { kind: 'kadmit', flags: KADMIT_FLAGS },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['nodelimit', 'go'],
  },
  {
    name: 'nodelimit',
    description: 'raw node:https + JSON.parse, same policy (../shared/bench/nodelimit)',
    server: { kind: 'nodelimit' },
    path: '/',
    body: POD_CREATE_5K,
  },
  {
    name: 'go',
    description: 'Go stdlib net/http, typed decode (../shared/bench/gopeer; only if Go 1.19 is installed)',
    server: { kind: 'go' },
    // gopeer's mux serves exactly /validate (anything else is 404).
    path: '/validate',
    body: POD_CREATE_5K,
    optional: true,
  },
  {
    name: 'kadmit-log-warn',
    description: 'kadmit as above with --log-level warn: no per-review log line (shows what logging costs)',
    server: { kind: 'kadmit', flags: [...KADMIT_FLAGS, '--log-level', 'warn'] },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['kadmit', 'nodelimit'],
  },
];
