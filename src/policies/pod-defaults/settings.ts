// pod-defaults' settings: which defaults to fill in, and where not to.
import { z } from 'zod';
import { exemptNamespaces, failurePolicy, timeoutSeconds } from '../support/settings.ts';

export const podDefaultsSettings = z.strictObject({
  exemptNamespaces,
  /** seccompProfile RuntimeDefault (pod level; container level for new ephemeral containers). */
  setSeccompProfile: z.boolean().default(true),
  /** allowPrivilegeEscalation false, except where the API forbids it (privileged, CAP_SYS_ADMIN). */
  setAllowPrivilegeEscalation: z.boolean().default(true),
  /** runAsNonRoot true, except where the pod or container asks for UID 0 (it would then never start). */
  setRunAsNonRoot: z.boolean().default(true),
  /** capabilities.drop ["ALL"]; anything listed in capabilities.add is still granted. */
  dropAllCapabilities: z.boolean().default(true),
  // Ignore: a missed default is caught by pod-security, which fails closed.
  failurePolicy: failurePolicy.default('Ignore'),
  timeoutSeconds: timeoutSeconds.default(5),
});

export type PodDefaultsSettings = z.output<typeof podDefaultsSettings>;
