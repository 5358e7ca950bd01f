// Request bodies of a chosen size, made from the 5 KB Pod CREATE fixture so
// every size asks the same question and gets the same answer: smaller by
// keeping one container and the names, larger by adding copies of the Pod's
// containers (each with a limit set) until the body reaches the size.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BenchError } from './errors.ts';
import { REPO_ROOT } from './paths.ts';

type Json = Record<string, unknown>;

/** Most containers added to reach a size: bounds the loop for a size given by mistake. */
const MAX_CONTAINERS = 10_000;

/** The review in `rel` (repository-relative), reshaped to about `sizeBytes` when given; one line, as the apiserver sends it. */
export function reviewBody(rel: string, sizeBytes?: number): Buffer {
  const review = JSON.parse(readFileSync(resolve(REPO_ROOT, rel), 'utf8')) as Json;
  if (sizeBytes === undefined) return Buffer.from(JSON.stringify(review));
  const object = (review.request as Json | undefined)?.object as Json | undefined;
  const spec = object?.spec as Json | undefined;
  const containers = spec?.containers as Json[] | undefined;
  if (!object || !spec || !containers?.length) throw new BenchError(`${rel}: a sized body needs a Pod review with spec.containers`);
  if (Buffer.byteLength(JSON.stringify(review)) > sizeBytes) {
    // The smallest Pod with the same answer: its first container's name, image and resources.
    const metadata = object.metadata as Json;
    const first = containers[0]!;
    object.metadata = { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels };
    object.spec = { containers: [{ name: first.name, image: first.image, resources: first.resources }] };
    return Buffer.from(JSON.stringify(review));
  }
  const base = [...containers];
  for (let i = 0; Buffer.byteLength(JSON.stringify(review)) < sizeBytes; i++) {
    if (i >= MAX_CONTAINERS) throw new BenchError(`${rel}: ${MAX_CONTAINERS} containers do not reach ${sizeBytes} bytes`);
    const copy = base[i % base.length]!;
    containers.push({ ...copy, name: `${String(copy.name)}-${i}` });
  }
  return Buffer.from(JSON.stringify(review));
}
