import { generateKeyPair } from 'node:crypto';

// Keys come from Node's native keygen on the libuv thread pool: node-forge's
// pure-JS RSA keygen blocks the event loop for seconds.

export interface PemKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM (forge's publicKeyFromPem reads it). */
  publicKey: string;
}

export function generateRsaKeyPair(modulusLength = 2048): Promise<PemKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    );
  });
}

/**
 * One key pair generated ahead of need, so that renewing a certificate costs a
 * signature (milliseconds) rather than an RSA key generation (measured under
 * load: median ~200 ms, up to ~0.5 s, and unbounded in principle: it searches
 * for primes), which would eat into the last third of life renewal leaves.
 */
export interface KeyReserve {
  /** The spare pair (waiting for it if it is still being generated); the next spare starts at once. */
  take(): Promise<PemKeyPair>;
  /** Starts the spare now if there is none yet (a first start, whose first take() is near). */
  prepare(): void;
}

export function createKeyReserve(generate: () => Promise<PemKeyPair>): KeyReserve {
  let spare: Promise<PemKeyPair> | undefined;
  const startSpare = () => {
    spare = generate();
    // A failed spare surfaces on the next take(), not as an unhandled rejection.
    spare.catch(() => undefined);
  };
  return {
    async take() {
      const pending = spare ?? generate();
      spare = undefined;
      try {
        return await pending;
      } finally {
        // Only now, so two generations never compete (the thread pool has 4 threads, shared with I/O).
        startSpare();
      }
    },
    prepare() {
      if (spare === undefined) startSpare();
    },
  };
}
