// Optional client authentication (--client-ca): the webhook listener asks for a
// client certificate and accepts only one that chains to the CAs in that file,
// followed when the file changes (fs.watch on its directory, so a Secret
// volume's `..data` swap is seen, plus a periodic check, since file events
// are not guaranteed everywhere). A read that fails or a file without a CA
// keeps the last good one: client authentication never silently turns off.
//
// The readiness self-check must complete a real handshake too, so it presents
// a certificate from a CA of its own, made at start-up and never written
// anywhere; the listener accepts that CA besides the file's.
import { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { issueCa, issueServing } from '../certs/issue.ts';
import { joinPem, splitPemCertificates } from '../certs/pem.ts';
import { KadmitError, errorMessage } from '../errors.ts';

export interface ClientAuth {
  /** What the listener accepts now: the file's CAs and the self-check's own. */
  ca(): string;
  /** The client certificate the readiness self-check presents. */
  readonly identity: { key: string; cert: string };
  /** Re-reads the file; resolves true when new CAs were taken. */
  reload(): Promise<boolean>;
  stop(): void;
}

export interface ClientAuthOptions {
  path: string;
  /** Called with the new accepted bundle after the file changed. */
  onChange: (ca: string) => void;
  log: Logger;
  /** Default 10 s. */
  pollIntervalMs?: number;
}

/** The file's certificates, checked: at least one, all parse, at least one is a CA. */
export async function readClientCa(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KadmitError('KADMIT_CLIENT_CA', `cannot read the client CA file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  const blocks = splitPemCertificates(text);
  let cas = 0;
  for (const pem of blocks) {
    try {
      if (new X509Certificate(pem).ca) cas++;
    } catch (err) {
      throw new KadmitError('KADMIT_CLIENT_CA', `${path}: a certificate does not parse: ${errorMessage(err)}`);
    }
  }
  if (cas === 0) throw new KadmitError('KADMIT_CLIENT_CA', `${path} holds no CA certificate (PEM)`);
  return joinPem(blocks);
}

/** Loads the file (failing start-up when it is unusable) and follows it. */
export async function startClientAuth(opts: ClientAuthOptions): Promise<ClientAuth> {
  const { path, log } = opts;
  let fileCa = await readClientCa(path);
  const selfCa = await issueCa({ lifetimeMs: 10 * 365 * 86_400_000, backdateMs: 60_000, commonName: 'kadmit-self-check-ca' });
  const identity = await issueServing({ ca: selfCa, dnsNames: ['kadmit-self-check'], extKeyUsage: 'clientAuth', lifetimeMs: 10 * 365 * 86_400_000, backdateMs: 60_000 });
  const accepted = () => joinPem([fileCa, selfCa.cert]);
  log.info({ path }, 'client certificates required, from the CAs in the client CA file');

  let running: Promise<boolean> | undefined;
  const load = async (): Promise<boolean> => {
    try {
      const next = await readClientCa(path);
      if (next === fileCa) return false;
      fileCa = next;
      log.info({ path }, 'client CA file reloaded');
      opts.onChange(accepted());
      return true;
    } catch (err) {
      log.warn({ err: errorMessage(err), path }, 'client CA file not reloaded; keeping the last good one');
      return false;
    }
  };
  const reload = () => (running ??= load().finally(() => (running = undefined)));

  let settle: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => {
      clearTimeout(settle);
      settle = setTimeout(() => void reload(), 100); // let a multi-step write finish
      settle.unref();
    });
    watcher.on('error', (err) => log.warn({ err: errorMessage(err), path }, 'client CA file watch failed; relying on the periodic check'));
  } catch (err) {
    log.warn({ err: errorMessage(err), path }, 'cannot watch the client CA file; relying on the periodic check');
  }
  const poller = setInterval(() => void reload(), opts.pollIntervalMs ?? 10_000);
  poller.unref();

  return {
    ca: accepted,
    identity: { key: identity.key, cert: identity.cert },
    reload,
    stop() {
      clearInterval(poller);
      clearTimeout(settle);
      watcher?.close();
    },
  };
}
