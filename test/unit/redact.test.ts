// Secret data never reaches a log line, wherever the Secret sits.
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.ts';
import { redactRequestObjects, redactSecretData } from '../../src/observability/redact.ts';

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' }, stringData: { token: 'hunter2' }, type: 'Opaque' };

t.test('redactSecretData replaces values and keeps keys', async (t) => {
  const out = redactSecretData(secret);
  t.same(out.data, { password: '[REDACTED]' });
  t.same(out.stringData, { token: '[REDACTED]' });
  t.equal(secret.data.password, 'aHVudGVyMg==', 'the input is not changed');
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'visible' } };
  t.equal(redactSecretData(configMap), configMap, 'other kinds pass through untouched');
  const list = redactSecretData({ kind: 'List', items: [secret, configMap] });
  t.same((list.items as any[])[0].data, { password: '[REDACTED]' });
  t.same((list.items as any[])[1].data, { a: 'visible' });
  const nested = redactSecretData({ request: { object: secret, oldObject: secret } });
  t.notMatch(JSON.stringify(nested), /hunter2|aHVudGVyMg/);
});

t.test('the logger redacts Secrets under every object key', async (t) => {
  const lines: string[] = [];
  const log = createLogger('debug', new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
  log.debug({ object: secret, oldObject: secret }, 'objects');
  log.debug({ review: { request: { object: secret } } }, 'review');
  log.debug({ request: { oldObject: secret } }, 'request');
  t.equal(lines.length, 3);
  for (const line of lines) t.notMatch(line, /hunter2|aHVudGVyMg/);
  t.match(lines[0], /\[REDACTED\]/);
});

t.test("kubectl's last-applied copy of a Secret is redacted, and other annotations kept", async (t) => {
  const applied = { ...secret, metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(secret), team: 'a' } } };
  const out = redactSecretData(applied) as typeof applied;
  t.same(out.metadata.annotations, { 'kubectl.kubernetes.io/last-applied-configuration': '[REDACTED]', team: 'a' });
  t.notMatch(JSON.stringify(out), /hunter2|aHVudGVyMg/);
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{}}' } } };
  t.equal(redactSecretData(configMap), configMap, "a ConfigMap's is shown");
});

t.test('objects of a request about secrets are redacted whatever their own kind says', async (t) => {
  const unlabelled = { metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } };
  const about = (kind: string, resource: string) => ({ kind: { group: '', version: 'v1', kind }, resource: { group: '', version: 'v1', resource }, object: unlabelled, oldObject: unlabelled });
  t.notMatch(JSON.stringify(redactRequestObjects(about('Secret', 'secrets'))), /aHVudGVyMg/);
  t.notMatch(JSON.stringify(redactRequestObjects({ ...about('Other', 'secrets') })), /aHVudGVyMg/, 'by resource');
  t.match(JSON.stringify(redactRequestObjects(about('ConfigMap', 'configmaps'))), /aHVudGVyMg/, 'other kinds are shown');
  t.same(redactRequestObjects({ ...about('Secret', 'secrets'), object: null }).object, null);
});
