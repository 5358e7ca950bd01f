// The bounds on what a handler can put in a reply. The reply's wire shape is
// built by model/outcome.ts (admissionReview) and transport/http-answer.ts.
import { KadmitError } from '../errors.ts';

// What a handler can make large is capped, so a reply is bounded whatever it returns.
/** A denial's message (kubectl shows it; 20 MB would be written to the user and the audit log). */
export const MAX_DENY_MESSAGE = 4096;
export const MAX_DENY_REASON = 128;
/** A JSON patch, before base64. The apiserver stores objects of at most ~1.5 MiB: no real patch comes near. */
export const MAX_PATCH_BYTES = 4 * 1024 * 1024;

/** The base64 patch, or an error (answered by failurePolicy) when it decodes to more than MAX_PATCH_BYTES. */
export function checkPatchSize(base64: string): string {
  const bytes = Math.floor(base64.length / 4) * 3;
  if (bytes > MAX_PATCH_BYTES) {
    throw new KadmitError('KADMIT_PATCH_TOO_LARGE', `the mutation makes a JSON patch of about ${bytes} bytes; at most ${MAX_PATCH_BYTES} are sent`);
  }
  return base64;
}
