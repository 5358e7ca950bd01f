import { isIP } from 'node:net';

// The names a serving certificate must carry. The apiserver verifies
// `<svc>.<ns>.svc`; the other forms cover in-cluster clients that use short
// or fully qualified names.

export interface ServingNamesInput {
  serviceName: string;
  namespace: string;
  /** Add localhost and 127.0.0.1 (and ::1) for local runs. */
  local?: boolean;
  /** Extra names; entries that parse as IP addresses become IP SANs. */
  extraNames?: readonly string[];
}

export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

export function serviceHostname(serviceName: string, namespace: string): string {
  return `${serviceName}.${namespace}.svc`;
}

export function servingNames(input: ServingNamesInput): ServingNames {
  const { serviceName: svc, namespace: ns } = input;
  // The apiserver's name first: callers use the first DNS name as the CN.
  const dns = [`${svc}.${ns}.svc`, svc, `${svc}.${ns}`, `${svc}.${ns}.svc.cluster.local`];
  const ips: string[] = [];
  if (input.local) {
    dns.push('localhost');
    ips.push('127.0.0.1', '::1');
  }
  for (const name of input.extraNames ?? []) {
    if (isIP(name)) ips.push(name);
    else dns.push(name.toLowerCase());
  }
  return { dnsNames: unique(dns), ipAddresses: unique(ips) };
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))];
}
