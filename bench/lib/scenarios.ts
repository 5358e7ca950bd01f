// The HTTP scenarios, in the order each round drives them (A B C A B C ...).
// To add one: a kadmit variant is a new `flags` set (scenarios with identical
// flags and cpus share one server process); a new workload is a new `path`/`body`.
// Ratios are listed per scenario in `compareTo` and printed for those present.

/**
 * Where a server may run. '0': the server core alone (wrk has cpu 1), the fair
 * single-core comparison. '0,1': both cores, so a worker pool can use them;
 * it then shares cpu 1 with wrk.
 */
export type ServerCpus = '0' | '0,1';

/**
 * `instance`: scenarios with the same server but another instance get their own
 * process. The large-body sweep uses one: a server that has parsed 1 MB bodies
 * keeps a grown heap, which would tax the 5 KB scenarios sharing it.
 */
export type ServerSpec =
  /** `root`: another checkout of kadmit to run (`--baseline`); absent: this one. */
  | { kind: 'kadmit'; flags: readonly string[]; cpus?: ServerCpus; root?: string; instance?: string }
  | { kind: 'nodelimit'; cpus?: ServerCpus; instance?: string }
  | { kind: 'go'; cpus?: ServerCpus; instance?: string };

/** A side load during the measured runs: one review POSTed to `path` every `everyMs`. */
export interface SpinnerSpec {
  path: string;
  everyMs: number;
}

export interface Scenario {
  /** Short unique name: used in the output, `--only` and the JSON. */
  name: string;
  description: string;
  server: ServerSpec;
  /** Request path and query. */
  path: string;
  /** AdmissionReview to POST, relative to the repository root (sent as one line). */
  body: string;
  /** Reshape the body to about this many bytes (bench/lib/bodies.ts); absent: the fixture as it is. */
  bodyBytes?: number;
  /** Concurrent connections for this scenario; absent: the run's --conns (default 16). */
  conns?: number;
  /**
   * Part of a sweep (cost by connections, body size or webhooks loaded) rather
   * than the main comparison; `--no-sweeps` leaves these out.
   */
  sweep?: 'connections' | 'body size' | 'webhooks loaded';
  /** Names of scenarios to divide this one's median req/s by. */
  compareTo?: readonly string[];
  /** A server that fails to start skips this scenario (with the reason) instead of stopping the bench. */
  optional?: boolean;
  spinner?: SpinnerSpec;
}

export const POD_CREATE_5K = 'test/fixtures/pod-create-5k.json';

/** kadmit as the integrator ships it for this bench: one validating webhook, default log level (info). */
export const KADMIT_FLAGS = ['--webhook', 'builtin:require-memory-limits'] as const;

/** The same plus the test webhooks that never yield (`/spin`) or misbehave otherwise. */
const SPIN_FLAGS = ['--webhook', 'test/fixtures/webhooks/misbehaving.ts', ...KADMIT_FLAGS] as const;

const KADMIT_PATH = '/validate/require-memory-limits?timeout=10s';

/** kadmit serving N copies of require-memory-limits; the last copy is driven. */
function manyWebhooks(count: 10 | 50): Scenario {
  return {
    name: `kadmit-wh${count}`,
    description: `kadmit as \`kadmit\` with ${count} copies of require-memory-limits loaded (bench/fixtures/webhooks-${count}.ts), driving the last`,
    server: { kind: 'kadmit', flags: ['--webhook', `bench/fixtures/webhooks-${count}.ts`] },
    path: `/validate/memory-limits-${count}?timeout=10s`,
    body: POD_CREATE_5K,
    compareTo: ['kadmit'],
    sweep: 'webhooks loaded',
  };
}

/** kadmit and its peers at another connection count, on the same servers as the main scenarios. */
function atConnections(conns: 1 | 64): Scenario[] {
  return [
    { name: `kadmit-c${conns}`, description: `kadmit as \`kadmit\`, ${conns} connection${conns === 1 ? '' : 's'}`, server: { kind: 'kadmit', flags: KADMIT_FLAGS },
      path: KADMIT_PATH, body: POD_CREATE_5K, conns, compareTo: [`nodelimit-c${conns}`, `go-c${conns}`], sweep: 'connections' },
    { name: `nodelimit-c${conns}`, description: `nodelimit, ${conns} connection${conns === 1 ? '' : 's'}`, server: { kind: 'nodelimit' },
      path: '/', body: POD_CREATE_5K, conns, sweep: 'connections' },
    { name: `go-c${conns}`, description: `the Go peer, ${conns} connection${conns === 1 ? '' : 's'}`, server: { kind: 'go' },
      path: '/validate', body: POD_CREATE_5K, conns, optional: true, sweep: 'connections' },
  ];
}

/** kadmit and nodelimit with the Pod review grown or shrunk to `label`, on servers of their own. */
function atBodySize(label: '1k' | '100k' | '1m', bodyBytes: number): Scenario[] {
  return [
    { name: `kadmit-${label}`, description: `kadmit as \`kadmit\`, Pod review of about ${label.toUpperCase()}B`, server: { kind: 'kadmit', flags: KADMIT_FLAGS, instance: 'body size' },
      path: KADMIT_PATH, body: POD_CREATE_5K, bodyBytes, compareTo: [`nodelimit-${label}`, 'kadmit'], sweep: 'body size' },
    { name: `nodelimit-${label}`, description: `nodelimit, Pod review of about ${label.toUpperCase()}B`, server: { kind: 'nodelimit', instance: 'body size' },
      path: '/', body: POD_CREATE_5K, bodyBytes, sweep: 'body size' },
  ];
}

/**
 * `kadmit` as another checkout runs it (`--baseline DIR`): before and after a
 * change in one run, alternated round by round like every other scenario.
 */
export function baselineScenario(root: string): Scenario {
  return {
    name: 'kadmit-baseline',
    description: `kadmit as \`kadmit\`, from the checkout at ${root}`,
    server: { kind: 'kadmit', flags: KADMIT_FLAGS, root },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['nodelimit'],
  };
}

export function serverCpus(spec: ServerSpec): ServerCpus {
  return spec.cpus ?? '0';
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'kadmit',
    // Default workers = the CPUs kadmit may use (the affinity mask, capped by a
    // cgroup CPU limit): 1 on cpu 0. The bench prints the pool size it found.
    description: 'kadmit serve, require-memory-limits, default workers (1 on cpu 0), default log level (info: one JSON line per review)',
    server: { kind: 'kadmit', flags: KADMIT_FLAGS },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['nodelimit', 'go', 'kadmit-inline'],
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
  {
    name: 'kadmit-inline',
    description: 'kadmit with --workers 0 on cpu 0: handlers on the main thread, no worker hop (kadmit / kadmit-inline is the hop\'s cost)',
    server: { kind: 'kadmit', flags: [...KADMIT_FLAGS, '--workers', '0'] },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['nodelimit'],
  },
  {
    name: 'kadmit-2cores',
    description: 'kadmit with --workers 2 on cpus 0,1 (not pinned to one core; shares cpu 1 with wrk)',
    server: { kind: 'kadmit', flags: [...KADMIT_FLAGS, '--workers', '2'], cpus: '0,1' },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['kadmit', 'kadmit-inline', 'nodelimit'],
  },
  {
    name: 'kadmit-spin-quiet',
    description: 'kadmit with the misbehaving test webhooks loaded, default workers (2 on cpus 0,1), no spinners: the baseline for kadmit-spin',
    server: { kind: 'kadmit', flags: SPIN_FLAGS, cpus: '0,1' },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
  },
  {
    name: 'kadmit-spin',
    description: 'the same server while the bench POSTs /spin?timeout=2s once a second (a handler that never yields; the watchdog replaces its worker)',
    server: { kind: 'kadmit', flags: SPIN_FLAGS, cpus: '0,1' },
    path: KADMIT_PATH,
    body: POD_CREATE_5K,
    compareTo: ['kadmit-spin-quiet'],
    spinner: { path: '/spin?timeout=2s', everyMs: 1000 },
  },
  ...atConnections(1),
  ...atConnections(64),
  ...atBodySize('1k', 1024),
  ...atBodySize('100k', 100 * 1024),
  ...atBodySize('1m', 1024 * 1024),
  manyWebhooks(10),
  manyWebhooks(50),
];
