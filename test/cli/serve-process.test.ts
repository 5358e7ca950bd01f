// `kadmit serve` as a real process: it creates its certificates, serves a review
// over HTTPS with the CA it names, and exits 0 on SIGTERM.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, waitForLog, finished } from '../helpers/process.ts';
import { httpsRequest, review } from '../helpers/https-client.ts';

t.test('serve, answer, and stop on SIGTERM', async (t) => {
  const dir = t.testdir({});
  const child = startCli(['serve', '--webhook-address', '127.0.0.1:0', '--ops-address', '127.0.0.1:0', '--cert-dir', join(dir, 'certs'), '--drain-delay-ms', '100'], { cwd: dir });
  const exited = finished(child);
  const serving = await waitForLog(child, (l) => l.msg === 'kadmit serving');
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const res = await httpsRequest(serving.webhook.port, ca, '/validate/require-memory-limits?timeout=10s', JSON.stringify(review({ uid: 'proc-1' })));
  t.equal(res.status, 200);
  t.equal(res.json().response.uid, 'proc-1');
  child.kill('SIGTERM');
  const result = await exited;
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /shutdown: done/);
});
