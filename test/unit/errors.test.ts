import t from 'tap';
import { KadmitError, errorMessage } from '../../src/errors.ts';

t.test('KadmitError keeps its code and cause', async (t) => {
  const cause = new Error('root');
  const err = new KadmitError('KADMIT_INTERNAL', 'wrapped', { cause });
  t.equal(err.code, 'KADMIT_INTERNAL');
  t.equal(err.cause, cause);
  t.equal(errorMessage(err), 'wrapped');
  t.equal(errorMessage('plain'), 'plain');
});
