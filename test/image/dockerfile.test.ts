// No Docker engine runs here, so the Dockerfile is checked as text for what a
// security review asks of the image: multi-stage on Node 24, the packed npm
// package installed with production dependencies only (what
// test/image/production-start.test.ts starts), no shell or package manager at run time,
// a numeric non-root user, an exec-form entrypoint that serves, and a compile
// cache made by the runtime's own node and user; and .dockerignore keeps
// everything but the build inputs out of the context.
import t from 'tap';
import { existsSync } from 'node:fs';
import { execForm, inContext, parseCopy, POLICY_DOCKERFILE, readDockerfile, readDockerignore, readInstructions, resolveImage, stageEnv, ROOT, type Stage } from './dockerfile.ts';

const { args, stages } = readDockerfile();
const build = stages[0]!;
const runtime = stages.at(-1)!;
const compileCache = stages.find((s) => s.name === 'compile-cache')!;
const of = (stage: typeof build, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

t.test('the reader joins continuation lines and skips comments', async (t) => {
  const ins = readInstructions('# c\nRUN a \\\n  # inner comment\n  && b\nUSER 1\n');
  t.same(ins.map((i) => [i.keyword, i.args, i.line]), [['RUN', 'a && b', 2], ['USER', '1', 5]]);
});

t.test('three stages: a Node 24 build, the compile cache, a distroless Node 24 runtime', async (t) => {
  t.equal(stages.length, 3);
  t.equal(stages[1], compileCache, 'the compile-cache stage between them');
  t.match(resolveImage(build.from, args), /^node:24(-|$)/, 'build stage on Node 24');
  t.ok(build.name, 'the build stage is named');
  t.match(resolveImage(runtime.from, args), /^gcr\.io\/distroless\/nodejs24-debian1\d(:nonroot)?(@sha256:[0-9a-f]{64})?$/, 'runtime: distroless nodejs24');
});

t.test('the build stage installs from the lockfile, packs kadmit, and installs the tarball without dev dependencies', async (t) => {
  const runs = of(build, 'RUN').map((i) => i.args).join('\n');
  t.match(runs, /\bnpm ci\b/);
  t.match(runs, /\bnpm pack\b/, 'npm pack (its prepack compiles)');
  t.match(runs, /npm install --omit=dev [^\n]*kadmit-\*\.tgz/);
  t.ok(runs.indexOf('npm pack') < runs.search(/--omit=dev/), 'installed after packing');
  // installKadmit (test/helpers/package.ts) writes the same package.json for the tests' image layout.
  t.match(runs, `echo '{"name":"kadmit-app","private":true,"type":"module"}' > package.json`, 'policy modules in /app are ES modules');
});

t.test('the runtime stage: no RUN (no shell), copies only build output, numeric non-root user, exec-form entrypoint', async (t) => {
  t.same(of(runtime, 'RUN'), [], 'nothing runs in the runtime stage');
  const copies = of(runtime, 'COPY').map(parseCopy);
  t.same(copies.map((c) => [c.from, c.sources]), [[build.name, ['/app']], [compileCache.name, ['/node-compile-cache']]], '/app from the build, the compile cache from its stage');
  t.match(of(runtime, 'COPY')[1]!.args, /--chown=65532:65532 /, "the cache stays the runtime user's (Node writes it readable by its owner only)");
  t.notOk(copies.some((c) => c.sources.some((s) => /\/src\b|\.ts$|test|certs/.test(s))), 'no sources, tests or certificates');
  const users = of(runtime, 'USER');
  t.equal(users.length, 1);
  t.match(users[0]!.args, /^[1-9]\d*(:[1-9]\d*)?$/, 'numeric uid (and gid), not root');
  t.equal(Number(users[0]!.args.split(':')[0]), 65532);
  t.ok(runtime.instructions.indexOf(users[0]!) > runtime.instructions.indexOf(of(runtime, 'COPY').at(-1)!), 'USER after the last COPY');
  const entrypoints = of(runtime, 'ENTRYPOINT');
  t.equal(entrypoints.length, 1);
  const argv = execForm(entrypoints[0]!);
  t.ok(argv, 'exec form (no shell needed)');
  t.match(argv?.[0], /(^|\/)node$/);
  t.same(argv?.slice(1), ['/app/node_modules/kadmit/bin/kadmit.js', 'serve']);
  t.same(of(runtime, 'WORKDIR').map((i) => i.args), ['/app'], 'serve runs in /app, where a policy image puts kadmit.yaml');
  t.same(of(runtime, 'CMD'), [], 'no CMD to append');
  t.same(of(runtime, 'EXPOSE').map((i) => i.args), ['8443 8080']);
});

t.test("the compile cache is made by the runtime's node, as the runtime's user, running the entrypoint's command with --check", async (t) => {
  t.equal(compileCache.from, runtime.from, 'the runtime image: V8 takes a cache only from the same node binary');
  t.same(of(compileCache, 'USER').map((i) => i.args), of(runtime, 'USER').map((i) => i.args), 'the runtime user: Node keeps one cache per user');
  t.equal(stageEnv(compileCache).NODE_COMPILE_CACHE, '/node-compile-cache');
  t.same(stageEnv(compileCache), stageEnv(runtime), 'the same environment as the runtime');
  t.same(of(compileCache, 'WORKDIR').map((i) => i.args), ['/app'], 'in /app, so it loads what serve loads there');
  const runs = of(compileCache, 'RUN');
  t.equal(runs.length, 1);
  const argv = execForm(runs[0]!);
  const entrypoint = execForm(of(runtime, 'ENTRYPOINT')[0]!) ?? [];
  t.same(argv?.slice(0, entrypoint.length + 1), [...entrypoint, '--check'], "exec form (no shell in the runtime image): the entrypoint's command with --check");
  t.same(argv?.slice(entrypoint.length + 1).filter((a) => a.startsWith('--')), ['--cert-dir', '--webhook-address', '--ops-address'], 'only where it writes and listens differs from a pod');
  t.match(of(build, 'RUN').map((i) => i.args).join('\n'), /mkdir \/node-compile-cache/, 'the build stage makes the directory the cache stage is given');
  t.same(of(compileCache, 'COPY').map(parseCopy).map((c) => [c.from, c.sources]), [[build.name, ['/app']], [build.name, ['/node-compile-cache']]]);
});

t.test("the scaffold's policy image: built, started once at build time with --check, its cache copied as the runtime user's", async (t) => {
  const policy = readDockerfile(POLICY_DOCKERFILE).stages;
  t.same(policy.map((s) => s.name), ['build', 'check', undefined]);
  const [, check, final] = policy as [Stage, Stage, Stage];
  t.equal(check.from, '${KADMIT_IMAGE}', 'the check stage is kadmit\'s image');
  t.equal(final.from, '${KADMIT_IMAGE}');
  const layers = (stage: Stage) => of(stage, 'COPY').map(parseCopy).filter((c) => c.from !== check.name).map((c) => [c.from, c.sources, c.dest]);
  t.same(layers(check), layers(final), 'the check stage has the layers the image has');
  t.same(of(final, 'COPY').map(parseCopy).filter((c) => c.from === check.name).map((c) => c.sources), [['/node-compile-cache']]);
  t.match(of(final, 'COPY').find((i) => parseCopy(i).from === check.name)!.args, /--chown=65532:65532 /);
  t.same(of(check, 'RUN').map(execForm), of(compileCache, 'RUN').map(execForm), "the same command as kadmit's own compile-cache stage");
  t.same(of(final, 'RUN'), [], 'nothing runs in the image itself');
});

t.test('.dockerignore lets in the build inputs and nothing else', async (t) => {
  const patterns = readDockerignore();
  for (const c of of(build, 'COPY').map(parseCopy)) {
    for (const source of c.sources) {
      t.ok(inContext(source, patterns), `${source} is in the build context`);
      t.ok(existsSync(`${ROOT}${source}`), `${source} exists`);
    }
  }
  for (const path of ['node_modules', 'node_modules/zod/package.json', 'dist/cli/main.js', 'certs/ca.key', '.git/config', 'test/policies/fixtures.test.ts', 'deploy/rbac.yaml', '.env', 'npm-debug.log']) {
    t.notOk(inContext(path, patterns), `${path} stays out`);
  }
  t.ok(inContext('src/cli/main.ts', patterns));
  t.ok(inContext('examples/crds/guestbook.yaml', patterns));
  t.ok(inContext('templates/policy-project/kadmit.yaml', patterns), 'the init templates travel in the package');
  t.notOk(inContext('examples/other.yaml', patterns), 'only the CRDs of examples/');
  t.notOk(inContext('srcx/evil.ts', patterns), 'patterns match whole path segments');
});
