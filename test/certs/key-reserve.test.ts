// The serving key is generated ahead of renewal: take() hands out the spare and
// starts the next one at once, so a renewal never waits for a key generation
// unless the previous one has not finished. prepare() starts the first spare
// early (a first start: the serving key is made while the CA key is).
import t from 'tap';
import { createKeyReserve, generateRsaKeyPair, type PemKeyPair } from '../../src/certs/keys.ts';

function countingGenerator(fail: (n: number) => boolean = () => false) {
  let n = 0;
  const generate = async (): Promise<PemKeyPair> => {
    n++;
    if (fail(n)) throw new Error(`generation ${n} failed`);
    return { privateKey: `private-${n}`, publicKey: `public-${n}` };
  };
  return { generate, calls: () => n };
}

t.test('the first take generates one pair for now and one spare; later takes hand out the spare', async (t) => {
  const g = countingGenerator();
  const reserve = createKeyReserve(g.generate);
  t.equal(g.calls(), 0, 'nothing is generated before a key is needed');
  t.equal((await reserve.take()).privateKey, 'private-1');
  t.equal(g.calls(), 2, 'the spare started with the first take');
  t.equal((await reserve.take()).privateKey, 'private-2', 'the second take is the spare made ahead');
  t.equal(g.calls(), 3, 'and the next spare started');
});

t.test('prepare starts the spare only when there is none: the first take then has it made', async (t) => {
  const g = countingGenerator();
  const reserve = createKeyReserve(g.generate);
  reserve.prepare();
  t.equal(g.calls(), 1, 'the spare started before any take');
  reserve.prepare();
  t.equal(g.calls(), 1, 'a second prepare starts no other');
  t.equal((await reserve.take()).privateKey, 'private-1', 'the first take is the prepared pair');
  t.equal(g.calls(), 2, 'and the next spare started');
  reserve.prepare();
  t.equal(g.calls(), 2, 'with a spare already made, prepare does nothing');
});

t.test('a failed spare surfaces on the next take, and the reserve recovers', async (t) => {
  const g = countingGenerator((n) => n === 2);
  const reserve = createKeyReserve(g.generate);
  await reserve.take();
  await t.rejects(reserve.take(), /generation 2 failed/);
  t.equal((await reserve.take()).privateKey, 'private-3');
});

t.test('real RSA pairs: each take is a distinct key', async (t) => {
  const reserve = createKeyReserve(() => generateRsaKeyPair(1024));
  const a = await reserve.take();
  const b = await reserve.take();
  t.match(a.privateKey, /BEGIN PRIVATE KEY/);
  t.not(a.privateKey, b.privateKey);
});
