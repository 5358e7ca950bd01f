// The client of the rotation e2e test, in its own process: it plays the
// kube-apiserver calling kadmit. Every round it re-reads the caBundle of both
// webhook configurations from the test API server, then makes a FRESH TLS
// connection (no keep-alive) to one replica (round-robin) with SNI
// <svc>.<ns>.svc, trusting exactly the bundle of one configuration (they
// alternate), and posts a review. Rounds start at most every ROUND_EVERY_MS:
// ~50 a second still probes every moment of a rotation, where back-to-back
// rounds spent the whole core of the client and of each replica on handshakes.
// Prints a progress line every second and the final counts as one JSON line
// when stdin ends (or "stop" arrives).
//   node rotation-e2e-client.ts --api URL --api-ca FILE --token T --port P --port P ...
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { parseArgs } from 'node:util';
import { trusting } from '../helpers/https-client.ts';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    'api-ca': { type: 'string' },
    token: { type: 'string' },
    port: { type: 'string', multiple: true },
    servername: { type: 'string', default: 'kadmit.kadmit.svc' },
    path: { type: 'string', default: '/validate/require-memory-limits' },
    config: { type: 'string', default: 'kadmit' },
  },
});
if (!values.api || !values['api-ca'] || !values.token || !values.port?.length) {
  process.stderr.write('usage: rotation-e2e-client.ts --api URL --api-ca FILE --token T --port P...\n');
  process.exit(2);
}
const api = values.api;
const token = values.token;
const ports = values.port.map(Number);
const servername = values.servername;
const apiAgent = new Agent({ keepAlive: true, ca: readFileSync(values['api-ca'], 'utf8') });
const CONFIGS = [
  `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${values.config}`,
  `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${values.config}`,
] as const;
const REQUEST_TIMEOUT_MS = 10_000; // the apiserver's default webhook timeout
const ROUND_EVERY_MS = 20;

export interface Counts {
  rounds: number;
  handshakes: number;
  handshakeFailures: number;
  requests: number;
  requestFailures: number;
  /** Reads of the webhook configurations that failed (the previous bundles are kept, like the apiserver's cache). */
  bundleReadErrors: number;
  /** Distinct sets of CAs seen in the bundles. */
  bundlesSeen: number;
  failures: string[];
}

const counts: Counts = { rounds: 0, handshakes: 0, handshakeFailures: 0, requests: 0, requestFailures: 0, bundleReadErrors: 0, bundlesSeen: 0, failures: [] };
const seen = new Set<string>();
const started = Date.now();
let bundles: string[] | undefined;
let stopping = false;

function fail(kind: 'handshake' | 'request', what: string): void {
  if (kind === 'handshake') counts.handshakeFailures++;
  else counts.requestFailures++;
  if (counts.failures.length < 50) counts.failures.push(`${((Date.now() - started) / 1000).toFixed(2)}s ${kind}: ${what}`);
}

function getJson(path: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api), { agent: apiAgent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ((res.statusCode ?? 0) === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Each configuration has one webhook; its caBundle as PEM ('' when unset). */
async function readBundles(): Promise<string[]> {
  const objects = await Promise.all(CONFIGS.map(getJson));
  return objects.map((o) => {
    const b64 = o.webhooks?.[0]?.clientConfig?.caBundle as string | undefined;
    return b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
  });
}

function fingerprints(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b).fingerprint256.slice(0, 11)).join(',');
}

function review(uid: string, withLimit: boolean): string {
  const container = { name: 'app', image: 'nginx:1.27', ...(withLimit && { resources: { limits: { memory: '64Mi' } } }) };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'rotation-e2e' },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [container] } },
      oldObject: null,
      dryRun: false,
    },
  });
}

/** One call as the apiserver makes it for a service reference: a new connection, SNI, the caBundle only. */
function call(port: number, ca: string, uid: string, withLimit: boolean, label: string): Promise<void> {
  return new Promise((resolve) => {
    let handshaken = false;
    let settled = false;
    const done = (kind?: 'handshake' | 'request', what?: string) => {
      if (settled) return;
      settled = true;
      if (kind) fail(kind, `${label}: ${what}`);
      resolve();
    };
    const body = review(uid, withLimit);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `${values.path}?timeout=10s`,
        servername,
        // An empty caBundle leaves the apiserver with the system roots, which do not hold kadmit's CA.
        // One TLS context per bundle text (trusting()), as the other test clients use: the
        // handshake is the same.
        ...(ca !== '' && trusting(ca)),
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', accept: 'application/json', connection: 'close', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', (err) => done('request', `response: ${err.message}`));
        res.on('end', () => {
          counts.requests++;
          if (res.statusCode !== 200) return done('request', `HTTP ${res.statusCode} ${text.slice(0, 200)}`);
          try {
            const answer = JSON.parse(text).response as { uid?: string; allowed?: boolean };
            if (answer.uid !== uid) return done('request', `uid ${answer.uid} instead of ${uid}`);
            if (answer.allowed !== withLimit) return done('request', `allowed=${answer.allowed} for a pod ${withLimit ? 'with' : 'without'} a memory limit`);
          } catch (err) {
            return done('request', `unreadable answer: ${(err as Error).message}`);
          }
          done();
        });
      },
    );
    req.on('socket', (socket) => {
      (socket as TLSSocket).once('secureConnect', () => {
        handshaken = true;
        counts.handshakes++;
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!handshaken) done('handshake', `${err.code ?? ''} ${err.message} (trusting ${fingerprints(ca) || 'nothing'})`);
      else {
        counts.requests++;
        done('request', `${err.code ?? ''} ${err.message}`);
      }
    });
    req.end(body);
  });
}

function snapshot(): Counts {
  return { ...counts, bundlesSeen: seen.size };
}

async function loop(): Promise<void> {
  for (let n = 0; !stopping; n++) {
    const roundStarted = Date.now();
    try {
      bundles = await readBundles();
    } catch {
      counts.bundleReadErrors++;
      if (!bundles) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    }
    const which = n % 2;
    const ca = bundles[which]!;
    seen.add(fingerprints(ca));
    const port = ports[n % ports.length]!;
    await call(port, ca, `e2e-${n}`, n % 4 < 2, `replica :${port} via ${which === 0 ? 'validating' : 'mutating'} caBundle`);
    counts.rounds++;
    const rest = roundStarted + ROUND_EVERY_MS - Date.now();
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
}

const progress = setInterval(() => process.stdout.write(`${JSON.stringify({ progress: snapshot() })}\n`), 1_000);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (chunk.includes('stop')) stopping = true;
});
process.stdin.on('end', () => (stopping = true));
await loop();
clearInterval(progress);
apiAgent.destroy();
process.stdout.write(`${JSON.stringify({ final: snapshot() })}\n`);
process.stdin.destroy();
