// Every error code kadmit raises, in one table: what it means, whose fault it
// is and where it shows. KadmitError takes only these codes (a typo is a
// compile error), docs/errors.md is generated from this table (npm run
// gen:errors), and test/architecture/errors.test.ts keeps the two and the
// sources in step. Codes are stable: operators and tests match on them.
//
// `KADMIT_...` names that are settings (environment variables, in the options
// table of src/config/options.ts) are not codes and are not listed here; two
// names are both (KADMIT_CERT_STORE, KADMIT_CLIENT_CA).

/** Whose fault an error is: what the operator or author should look at. */
export const ERROR_FAULTS = {
  client: 'the request, the configuration, or a policy author\'s code or input is wrong: fix that',
  server: 'kadmit or its environment (threads, disk, network, the Kubernetes API, other replicas) failed',
} as const;
export type ErrorFault = keyof typeof ERROR_FAULTS;

/** Where an error shows. */
export const ERROR_SURFACES = {
  log: 'a log line of `kadmit serve`',
  http: 'an answer to the apiserver: the `code` of a non-200 JSON body, or the message of an AdmissionReview answer',
  cli: 'a command ends with it: `kadmit: message [CODE]` and exit 1, or the message and exit 2 for a usage error',
  api: 'thrown to code that calls kadmit: a handler (its `signal.reason`, the Kubernetes client), a webhook module, a test using `kadmit/testing`',
} as const;
export type ErrorSurface = keyof typeof ERROR_SURFACES;

/** The sections of docs/errors.md, in order. */
export const ERROR_AREAS = {
  cli: 'Commands and configuration',
  transport: 'The webhook listener (HTTP)',
  review: 'Reviews',
  webhooks: 'Webhook definitions and modules',
  workers: 'Review workers',
  certs: 'Certificates',
  kube: 'Kubernetes API',
  schemas: 'Schemas, CRDs and CEL',
} as const;

export interface ErrorCodeEntry {
  area: keyof typeof ERROR_AREAS;
  fault: ErrorFault;
  surfaces: readonly ErrorSurface[];
  /** One sentence. */
  meaning: string;
}

export const ERROR_CODES = {
  KADMIT_USAGE: {
    area: 'cli', fault: 'client', surfaces: ['cli', 'api'],
    meaning: 'A command was called or configured wrongly (an unknown flag, a bad value, an unreadable kadmit.yaml); the CLI prints the message and exits 2.',
  },
  KADMIT_FIXTURE_INVALID: {
    area: 'cli', fault: 'client', surfaces: ['cli', 'api'],
    meaning: 'A replay fixture is not a valid fixture; the message names the file, document, line and field, and nothing is sent (exit 2).',
  },
  KADMIT_TYPES: {
    area: 'cli', fault: 'client', surfaces: ['cli'],
    meaning: '`kadmit types` cannot type a CRD (no CRD found, a type name taken twice, a schema nested too deep, output too large) or cannot write its output file.',
  },

  KADMIT_CHECK_TIMEOUT: {
    area: 'cli', fault: 'server', surfaces: ['cli'],
    meaning: '`kadmit serve --check` was not serving within `--check-timeout` (default 2m): a start-up step kept waiting (e.g. for a certificate Secret the API server does not answer for); the log shows the last step it reached.',
  },
  KADMIT_OTEL_CONFIG: {
    area: 'cli', fault: 'client', surfaces: ['cli'],
    meaning: 'An `OTEL_*` environment variable that configures tracing has a value kadmit does not accept (the message names the variable); `kadmit serve` does not start.',
  },

  KADMIT_UNSUPPORTED_MEDIA_TYPE: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 415: the request\'s Content-Type is not application/json in UTF-8.',
  },
  KADMIT_METHOD_NOT_ALLOWED: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 405: a webhook path was called with a method other than POST.',
  },
  KADMIT_NOT_FOUND: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 404: no webhook is served on the requested path (check the webhook configuration\'s service path).',
  },
  KADMIT_BODY_TOO_LARGE: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 413: the request body is larger than --max-body-bytes.',
  },
  KADMIT_BODY_BROKEN: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 400: the request body could not be read to its end (the upload broke off).',
  },
  KADMIT_BAD_REQUEST: {
    area: 'transport', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 4xx: the HTTP layer refused the request before it reached a webhook, for the reason the message gives.',
  },
  KADMIT_OVERLOADED: {
    area: 'transport', fault: 'server', surfaces: ['http'],
    meaning: 'HTTP 429 with Retry-After: kadmit is near its memory limit (--memory-shed-bytes) and takes no new reviews for now.',
  },
  KADMIT_INTERNAL: {
    area: 'transport', fault: 'server', surfaces: ['http'],
    meaning: 'HTTP 500: the HTTP layer failed unexpectedly; the log line "transport error" has the details.',
  },
  KADMIT_CLIENT_CA: {
    area: 'transport', fault: 'client', surfaces: ['cli', 'log'],
    meaning: 'The --client-ca file cannot be read, holds a certificate that does not parse, or holds no CA: start-up fails, and a reload keeps the last good file.',
  },

  KADMIT_BODY_NOT_JSON: {
    area: 'review', fault: 'client', surfaces: ['http', 'log'],
    meaning: 'HTTP 400: the request body is not JSON.',
  },
  KADMIT_REVIEW_INVALID: {
    area: 'review', fault: 'client', surfaces: ['http', 'log'],
    meaning: 'HTTP 400: the body is not a valid AdmissionReview (admission.k8s.io/v1 or v1beta1); the answer lists every bad field path.',
  },
  KADMIT_BODY_TOO_COMPLEX: {
    area: 'review', fault: 'client', surfaces: ['http'],
    meaning: 'HTTP 413: the body is over the JSON limits (--json-max-depth, --json-max-entries, --json-max-values) and holds no review to deny.',
  },
  KADMIT_KIND_NOT_HANDLED: {
    area: 'review', fault: 'client', surfaces: ['http'],
    meaning: 'A webhook that names its kinds was sent another kind (its rules send more than it handles): answered by its failurePolicy, the handler is not called.',
  },
  KADMIT_PATCH_TOO_LARGE: {
    area: 'review', fault: 'client', surfaces: ['log'],
    meaning: 'A mutating handler\'s change makes a JSON patch over 4 MiB: the review is answered by the failurePolicy.',
  },
  KADMIT_PATCH_NOT_JSON: {
    area: 'review', fault: 'client', surfaces: ['log', 'api'],
    meaning: 'A mutated object (or a patch value) holds something JSON cannot carry, such as a function, a class instance, a cycle or an array hole; the message names its path.',
  },
  KADMIT_PATCH_APPLY: {
    area: 'review', fault: 'server', surfaces: ['cli', 'api'],
    meaning: 'A JSON patch in an answer does not apply to the object it was made for (replay and the test kit check every answer\'s patch); the message names the operation.',
  },
  KADMIT_ABORT_CLIENT_DISCONNECTED: {
    area: 'review', fault: 'client', surfaces: ['api', 'log'],
    meaning: 'The reason of a handler\'s signal when the apiserver hung up before the answer; nothing is answered.',
  },
  KADMIT_ABORT_DEADLINE_EXCEEDED: {
    area: 'review', fault: 'client', surfaces: ['api', 'log'],
    meaning: 'The reason of a handler\'s signal when the review\'s deadline (the apiserver\'s timeout less --deadline-margin-ms) passed; the failurePolicy answers.',
  },
  KADMIT_ABORT_SHUTDOWN: {
    area: 'review', fault: 'server', surfaces: ['api', 'log'],
    meaning: 'The reason of a handler\'s signal when kadmit shuts down before the handler decided; the failurePolicy answers.',
  },

  KADMIT_WEBHOOK_INVALID: {
    area: 'webhooks', fault: 'client', surfaces: ['api', 'cli'],
    meaning: 'A webhook definition is invalid; the message names the webhook, the field and what is wrong with it.',
  },
  KADMIT_WEBHOOK_MODULE: {
    area: 'webhooks', fault: 'client', surfaces: ['cli'],
    meaning: 'A webhook module is an unknown builtin, does not exist, is ambiguous (.ts and .js both exist), fails to load, or does not export a webhook.',
  },
  KADMIT_WEBHOOK_DUPLICATE: {
    area: 'webhooks', fault: 'client', surfaces: ['cli'],
    meaning: 'Two webhooks served together have the same name or the same path.',
  },
  KADMIT_POLICY_SETTINGS: {
    area: 'webhooks', fault: 'client', surfaces: ['cli'],
    meaning: 'Policy settings do not fit the policy\'s schema, are given to a webhook that takes none, or name a webhook that is not served.',
  },

  KADMIT_POOL_SIZE: {
    area: 'workers', fault: 'server', surfaces: ['cli'],
    meaning: 'The worker pool was asked for a size that is not a whole number above 0 (a bug: the configuration allows only valid sizes).',
  },
  KADMIT_POOL_WEBHOOK: {
    area: 'workers', fault: 'server', surfaces: ['log'],
    meaning: 'A review was sent to the workers for a webhook they did not load (a bug); the failurePolicy answers.',
  },
  KADMIT_POOL_CLOSED: {
    area: 'workers', fault: 'server', surfaces: ['log'],
    meaning: 'The worker pool was closed (shutdown) while a review waited for it or ran in it.',
  },
  KADMIT_POOL_ABORTED: {
    area: 'workers', fault: 'server', surfaces: ['log'],
    meaning: 'A review was aborted (deadline, hang-up or shutdown) while it still waited for a free worker.',
  },
  KADMIT_WORKER_EXITED: {
    area: 'workers', fault: 'server', surfaces: ['log', 'cli'],
    meaning: 'A review worker thread exited (out of heap, a crash, process.exit in a module): the reviews it had started fail and it is replaced.',
  },
  KADMIT_WORKER_IDENTITY: {
    area: 'workers', fault: 'server', surfaces: ['log', 'cli'],
    meaning: 'A review worker loaded other webhooks than the main thread (names or order differ: a module changed on disk between the two loads, or exports differently in a worker); it is stopped before it takes work, and start-up fails if it was the first.',
  },
  KADMIT_WORKER_REVIEW: {
    area: 'workers', fault: 'server', surfaces: ['log'],
    meaning: 'A review worker could not run a review (it expired before a worker started it, or the worker\'s pipeline failed); the failurePolicy answers.',
  },
  KADMIT_WORKER_STOPPED: {
    area: 'workers', fault: 'client', surfaces: ['log'],
    meaning: 'The watchdog stopped a worker whose handler blocked it past a review\'s deadline; the reviews it held fail and it is replaced.',
  },

  KADMIT_CERT_STORE: {
    area: 'certs', fault: 'server', surfaces: ['cli', 'log'],
    meaning: 'Reading or writing the certificate store failed, or `kadmit certs inspect` found no certificates in it.',
  },
  KADMIT_CERT_ISSUE: {
    area: 'certs', fault: 'server', surfaces: ['cli', 'log'],
    meaning: 'Issuing a CA or serving certificate failed (or was asked for a serving certificate with no DNS name).',
  },
  KADMIT_CERT_INVALID: {
    area: 'certs', fault: 'server', surfaces: ['log', 'cli'],
    meaning: 'A certificate does not verify: not a CA, outside its validity, not for the served names, not signed by the CA, or not matching its key.',
  },
  KADMIT_CERT_CONTENDED: {
    area: 'certs', fault: 'server', surfaces: ['log'],
    meaning: 'A CA rotation cycle lost five races in a row to other replicas writing the CA state; it is retried with backoff.',
  },
  KADMIT_CERT_STOPPED: {
    area: 'certs', fault: 'server', surfaces: ['log'],
    meaning: 'Certificate rotation or loading was stopped (shutdown) before a certificate was ready.',
  },
  KADMIT_CERT_UNEXPECTED_EVENT: {
    area: 'certs', fault: 'server', surfaces: ['log'],
    meaning: 'A certificate state machine got an event its phase does not take (a bug in the driver).',
  },
  KADMIT_STATE_CONFLICT: {
    area: 'certs', fault: 'server', surfaces: ['log'],
    meaning: 'Another writer changed or created the stored CA state first; kadmit re-reads it and adopts what it finds.',
  },
  KADMIT_STATE_MISSING: {
    area: 'certs', fault: 'server', surfaces: ['log'],
    meaning: 'The stored CA state document disappeared during an update; kadmit re-reads and starts over.',
  },

  KADMIT_KUBE_NOT_FOUND: {
    area: 'kube', fault: 'client', surfaces: ['api', 'log'],
    meaning: 'The Kubernetes API answered 404: the object does not exist.',
  },
  KADMIT_KUBE_ALREADY_EXISTS: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log'],
    meaning: 'The Kubernetes API answered 409 AlreadyExists: another writer created the object first.',
  },
  KADMIT_KUBE_CONFLICT: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log'],
    meaning: 'A resourceVersion precondition or a JSON patch `test` failed (409 or 422): the object changed since it was read; re-read and retry.',
  },
  KADMIT_KUBE_GONE: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log'],
    meaning: 'The Kubernetes API answered 410: a watch\'s resourceVersion is too old; the watch lists again.',
  },
  KADMIT_KUBE_INVALID: {
    area: 'kube', fault: 'client', surfaces: ['api', 'log'],
    meaning: 'The Kubernetes API refused the object sent as invalid (400, or 422 other than a failed patch test).',
  },
  KADMIT_KUBE_UNAUTHORIZED: {
    area: 'kube', fault: 'client', surfaces: ['api', 'log', 'cli'],
    meaning: 'The Kubernetes API answered 401: the credentials (kubeconfig or service account token) were not accepted.',
  },
  KADMIT_KUBE_FORBIDDEN: {
    area: 'kube', fault: 'client', surfaces: ['api', 'log', 'cli'],
    meaning: 'The Kubernetes API answered 403: kadmit\'s identity lacks the RBAC permission for the call.',
  },
  KADMIT_KUBE_UNAVAILABLE: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log', 'cli'],
    meaning: 'The Kubernetes API did not answer usefully (429, 5xx, connection refused or reset, TLS failure); worth retrying.',
  },
  KADMIT_KUBE_TIMEOUT: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log', 'cli'],
    meaning: 'A Kubernetes API call or watch passed kadmit\'s own time limit; worth retrying.',
  },
  KADMIT_KUBE_REQUEST_FAILED: {
    area: 'kube', fault: 'server', surfaces: ['api', 'log', 'cli'],
    meaning: 'A Kubernetes API call failed in another way (an unexpected status, a watch line that does not parse, a watch that closed).',
  },
  KADMIT_KUBE_CONFIG: {
    area: 'kube', fault: 'client', surfaces: ['cli', 'api'],
    meaning: 'No usable Kubernetes client configuration: the kubeconfig cannot be loaded or has no current cluster, and kadmit is not in a cluster.',
  },
  KADMIT_KUBE_PRECONDITION: {
    area: 'kube', fault: 'client', surfaces: ['api'],
    meaning: 'A conditional write was called without what it needs (a Secret replace without metadata.name and metadata.resourceVersion).',
  },
  KADMIT_KUBE_STOPPED: {
    area: 'kube', fault: 'server', surfaces: ['log'],
    meaning: 'The reason a watch\'s requests are aborted when its reflector is stopped (shutdown).',
  },

  KADMIT_CRD_PARSE: {
    area: 'schemas', fault: 'client', surfaces: ['cli'],
    meaning: 'A CRD file cannot be read, is over the size limit, or is not valid YAML or JSON.',
  },
  KADMIT_CRD_INVALID: {
    area: 'schemas', fault: 'client', surfaces: ['cli'],
    meaning: 'kadmit refuses a CRD (not an apiextensions.k8s.io/v1 CustomResourceDefinition, or a schema it cannot use); the message names the file, the CRD and the path in it.',
  },
  KADMIT_CRD_CONFLICT: {
    area: 'schemas', fault: 'client', surfaces: ['cli'],
    meaning: 'Two CRDs define the same group, version and kind, or a CRD shadows a built-in kind.',
  },
  KADMIT_CEL_REGEX: {
    area: 'schemas', fault: 'client', surfaces: ['cli', 'http'],
    meaning: 'A CRD validation rule uses a regular expression RE2 cannot compile (lookaround, backreferences, bad syntax): the CRD is refused, or the rule fails when the pattern is built during a review.',
  },
  KADMIT_SCHEMA_UNKNOWN_DEFINITION: {
    area: 'schemas', fault: 'server', surfaces: ['log'],
    meaning: 'A schema refers to a definition that kadmit\'s schema bundle does not hold (a bug in the generated schemas).',
  },
} as const satisfies Record<`KADMIT_${string}`, ErrorCodeEntry>;

/** A code KadmitError accepts: a key of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;
