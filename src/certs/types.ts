// Shared shapes of the certificate layer. Everything that crosses a module
// boundary is PEM text, so stores, the transport and tests never need forge.

/** A certificate and its private key, both PEM. */
export interface CertAndKey {
  cert: string;
  key: string;
}

/** What the HTTPS transport needs: `tls.createSecureContext({ key, cert, ca })`. */
export interface ServingMaterial {
  key: string;
  /** The serving certificate (leaf only). */
  cert: string;
  /** The CA bundle that clients should trust (one or more PEM certificates). */
  ca: string;
}

/** Certificate lifetimes, in milliseconds. */
export interface CertLifetimes {
  caMs: number;
  servingMs: number;
  /** NotBefore is set this far in the past, for clock skew between nodes. */
  backdateMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_LIFETIMES: Readonly<CertLifetimes> = Object.freeze({
  caMs: 365 * DAY,
  servingMs: 30 * DAY,
  backdateMs: 5 * 60 * 1000,
});

/** The default backdate, capped at a tenth of the shorter lifetime unless one is given. */
const MAX_BACKDATE_FRACTION = 0.1;

export function resolveLifetimes(partial: Partial<CertLifetimes> | undefined): CertLifetimes {
  const l = { ...DEFAULT_LIFETIMES, ...partial };
  // Renewal is at 2/3 of the validity, and the validity includes the backdate:
  // 5 min of it on a life of seconds (kadmit serve --serving-lifetime 6s) would
  // make every new certificate due at once and rotate it in a loop.
  if (partial?.backdateMs === undefined) {
    l.backdateMs = Math.min(l.backdateMs, Math.floor(Math.min(l.caMs, l.servingMs) * MAX_BACKDATE_FRACTION));
  }
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isFinite(v) || v < 0 || (k !== 'backdateMs' && v < 1000)) {
      throw new RangeError(`certificate lifetime ${k} must be a finite number of ms (>= 1000), got ${v}`);
    }
  }
  return l;
}
