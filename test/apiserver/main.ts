// Run the test API server as its own process:
//   npx node test/apiserver/main.ts --port 0 [--kubeconfig FILE] [--token T] [--exit-with-parent]
// Prints one JSON line on stdout: {"url","caPem","token","kubeconfig"?,"pid"}.
// Control it from another process with remote.ts (the /testapi/v1 endpoints).
import { parseArgs } from 'node:util';
import { startApiServer, type TestApiServerOptions } from './api-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    'bookmark-interval-ms': { type: 'string' },
    'exit-with-parent': { type: 'boolean', default: false },
  },
});

if (values.host !== '127.0.0.1' && values.host !== '::1') {
  throw new Error('the test API server listens on loopback only (127.0.0.1 or ::1)');
}
const opts: TestApiServerOptions = { host: values.host, port: Number(values.port), control: true };
if (values.token) opts.token = values.token;
if (values['bookmark-interval-ms']) opts.bookmarkIntervalMs = Number(values['bookmark-interval-ms']);

const api = await startApiServer(opts);
if (values.kubeconfig) await api.writeKubeConfig(values.kubeconfig, { namespace: values.namespace });
process.stdout.write(
  `${JSON.stringify({ url: api.url, caPem: api.caPem, token: api.token, pid: process.pid, ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}) })}\n`,
);

const stop = (): void => {
  void api.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// With --exit-with-parent, a closed stdin (parent gone) stops the server.
if (values['exit-with-parent']) {
  process.stdin.resume();
  process.stdin.once('end', stop);
}
