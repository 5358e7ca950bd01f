import { sign } from 'node:crypto';
import type forge from 'node-forge';

// forge builds the TBSCertificate; the RSA signature itself is computed by
// Node's native crypto on the thread pool. forge's own `cert.sign` runs RSA in
// pure JS on the event loop (and defaults to SHA-1 without a digest argument).
// This mirrors the steps of forge's `cert.sign` (x509.js), with SHA-256 fixed.

interface PkiInternals {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

export async function signCertificate(cert: forge.pki.Certificate, privateKeyPem: string): Promise<void> {
  const forge = (await import('node-forge')).default; // loaded on first use, see issue.ts
  const pkiInternals = forge.pki as unknown as PkiInternals;
  cert.md = forge.md.sha256.create();
  const oid = forge.pki.oids['sha256WithRSAEncryption'];
  if (!oid) throw new Error('node-forge lacks the sha256WithRSAEncryption OID');
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  cert.tbsCertificate = pkiInternals.getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  const signature = await new Promise<Buffer>((resolve, reject) => {
    sign('sha256', tbs, privateKeyPem, (err, sig) => (err ? reject(err) : resolve(sig)));
  });
  cert.signature = signature.toString('binary');
}
