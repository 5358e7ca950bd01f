// When a certificate is due for renewal: at a fixed fraction of its life,
// computed from the certificate alone so every replica reading the same
// certificate reaches the same decision.

export const RENEW_FRACTION = 2 / 3;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function renewalTime(v: Validity, fraction = RENEW_FRACTION): Date {
  const start = v.notBefore.getTime();
  return new Date(start + Math.floor((v.notAfter.getTime() - start) * fraction));
}

export function isDueForRenewal(v: Validity, now: Date, fraction = RENEW_FRACTION): boolean {
  return now.getTime() >= renewalTime(v, fraction).getTime();
}
