// Lays out the runtime filesystem the image's final stage copies together:
// compiled dist/ (tsc with tsconfig.build.json, type check skipped), production dependencies only
// (the packages package-lock.json does not mark dev, as `npm prune --omit=dev`
// leaves them), package.json and bin/. Directories are copied, never linked, so
// a dependency missing from production cannot be found through the checkout.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCopy, readDockerfile, ROOT } from './dockerfile.ts';

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

export function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev && !meta.devOptional)
    .map(([path]) => path)
    // Nested packages travel with the package that holds them.
    .filter((path) => path.lastIndexOf('node_modules/') === 0);
}

const LAYOUT: Record<string, (app: string) => Promise<void>> = {
  '/app/package.json': async (app) => cpSync(join(ROOT, 'package.json'), join(app, 'package.json')),
  '/app/bin': async (app) => cpSync(join(ROOT, 'bin'), join(app, 'bin'), { recursive: true }),
  '/app/examples/crds': async (app) => cpSync(join(ROOT, 'examples/crds'), join(app, 'examples/crds'), { recursive: true }),
  // --noCheck: the same emit as `npm run build` without its type check (npm run typecheck's job), a third of the time.
  '/app/dist': (app) => run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', join(app, 'dist')], ROOT),
  '/app/node_modules': async (app) => {
    for (const pkg of productionPackages()) cpSync(join(ROOT, pkg), join(app, pkg), { recursive: true, dereference: true });
  },
};

/** Builds the layout under `app`; throws if the Dockerfile copies something this does not know how to make. */
export async function assembleRuntime(app: string): Promise<string[]> {
  const { stages } = readDockerfile();
  const sources = stages.at(-1)!.instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i).sources);
  const unknown = sources.filter((s) => !(s in LAYOUT));
  if (unknown.length > 0) throw new Error(`the image copies ${unknown.join(', ')}; teach test/image/assemble.ts to lay it out`);
  mkdirSync(app, { recursive: true });
  await Promise.all(sources.map((s) => LAYOUT[s]!(app)));
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
