// PEM bundle helpers. A caBundle (and ca.crt during a CA rotation) holds
// several certificates; Node's X509Certificate parses only the first one.

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export function splitPemCertificates(bundle: string): string[] {
  return (bundle.match(PEM_CERT) ?? []).map((block) => `${block}\n`);
}

export function joinPem(certs: readonly string[]): string {
  return certs.map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join('');
}
