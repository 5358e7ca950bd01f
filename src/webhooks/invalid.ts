// The one error a webhook definition fails with: KADMIT_WEBHOOK_INVALID, naming
// the webhook and the field, thrown where the webhook is defined (module load).
import { KadmitError } from '../errors.ts';

export function invalid(name: string, field: string, problem: string): never {
  throw new KadmitError('KADMIT_WEBHOOK_INVALID', `webhook "${name}": ${field} ${problem}`);
}
