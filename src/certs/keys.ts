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
