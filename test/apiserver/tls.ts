// A throwaway CA and serving certificate for the test API server, so
// client-node talks real TLS (verifying 127.0.0.1 against the SANs) as it
// would against a kube-apiserver. Made once per process: RSA keygen is the
// slow part and every server in a test file can share the pair. Signed with
// Node's native RSA (signCertificate): forge's pure-JS signatures cost every
// test file that starts a server ~0.1 s of CPU.
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { signCertificate } from '../../src/certs/sign.ts';

export interface TestServerTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function rsaKeyPair(): Promise<{ publicKey: forge.pki.rsa.PublicKey; privatePem: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privatePem: privateKey,
  };
}

// Positive 128-bit serial: top bit cleared (else it encodes negative), first byte non-zero.
function serialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 24 * 60 * 60 * 1000);
}

async function makeTls(): Promise<TestServerTls> {
  const [caKeys, leafKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);

  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialHex();
  validity(ca);
  const caSubject = [{ name: 'commonName', value: 'kadmit-test-apiserver-ca' }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  await signCertificate(ca, caKeys.privatePem);

  const leaf = forge.pki.createCertificate();
  leaf.publicKey = leafKeys.publicKey;
  leaf.serialNumber = serialHex();
  validity(leaf);
  leaf.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    // keyIdentifier must be the CA's key id, not the leaf's own (forge's `true` means "mine").
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  await signCertificate(leaf, caKeys.privatePem);

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(leaf),
    keyPem: leafKeys.privatePem,
  };
}

let shared: Promise<TestServerTls> | undefined;

export function testServerTls(): Promise<TestServerTls> {
  shared ??= makeTls();
  return shared;
}
