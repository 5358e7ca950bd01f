// Lays out the runtime filesystem the image's final stage copies: /app from the
// build stage, which is kadmit's packed tarball installed with production
// dependencies only (npm install --omit=dev). Files are copied by npm, never
// linked, so a dependency missing from production cannot be found through the checkout.
import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCopy, readDockerfile } from './dockerfile.ts';
import { sharedPackage } from '../helpers/shared-package.ts';

/** Builds the layout under `app`; throws if the Dockerfile copies something else. */
export async function assembleRuntime(app: string): Promise<string[]> {
  const { stages } = readDockerfile();
  const sources = stages.at(-1)!.instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i).sources);
  if (sources.join() !== '/app') throw new Error(`the image copies ${sources.join(', ')}; teach test/image/assemble.ts to lay it out`);
  // A copy: the caller makes it read-only. verbatimSymlinks keeps node_modules/.bin links inside the copy.
  cpSync((await sharedPackage()).app, app, { recursive: true, verbatimSymlinks: true });
  return sources;
}

/** chmod -R a-w (or back to u+w): the image's filesystem is read-only for kadmit. */
export function setWritable(path: string, writable: boolean): void {
  const st = statSync(path);
  const mode = writable ? st.mode | 0o200 : st.mode & ~0o222;
  if (st.isDirectory()) {
    if (writable) chmodSync(path, mode);
    for (const entry of readdirSync(path)) setWritable(join(path, entry), writable);
    if (!writable) chmodSync(path, mode);
  } else {
    chmodSync(path, mode);
  }
}
