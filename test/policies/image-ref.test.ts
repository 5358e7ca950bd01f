// Image references read the way the container runtime reads them.
import t from 'tap';
import { isMutableRef, matchesRegistryPrefix, normaliseRegistryPrefix, parseImageRef, type ImageRef } from '../../src/policies/support/image-ref.ts';

const D = 'sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31';

t.test('parsing', async (t) => {
  const cases: [string, ImageRef | string][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/team/app:v2', { registry: 'localhost:5000', repository: 'team/app', tag: 'v2' }],
    ['Registry.Example.com/app', { registry: 'registry.example.com', repository: 'app' }],
    [`ghcr.io/org/app:1.0@${D}`, { registry: 'ghcr.io', repository: 'org/app', tag: '1.0', digest: D }],
    [`nginx@${D}`, { registry: 'docker.io', repository: 'library/nginx', digest: D }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['', 'is empty or has surrounding spaces'],
    [' nginx', 'is empty or has surrounding spaces'],
    ['nginx:', 'has an invalid tag ""'],
    ['nginx@sha256:abc', 'has an invalid digest "sha256:abc"'],
    ['Nginx', 'has an invalid repository "Nginx"'],
    ['ghcr.io//app', 'has an invalid repository "/app"'],
  ];
  for (const [image, expected] of cases) {
    const ref = parseImageRef(image);
    t.same(ref, typeof expected === 'string' ? { error: expected } : expected, JSON.stringify(image));
  }
});

t.test('mutable: no tag, or latest, without a digest', async (t) => {
  const mutable = (s: string) => isMutableRef(parseImageRef(s) as ImageRef);
  t.ok(mutable('nginx'));
  t.ok(mutable('nginx:latest'));
  t.notOk(mutable('nginx:1.27'));
  t.notOk(mutable(`nginx:latest@${D}`));
  t.notOk(mutable(`nginx@${D}`));
});

t.test('registry prefixes match on a path boundary', async (t) => {
  const ok = (image: string, prefix: string) => matchesRegistryPrefix(parseImageRef(image) as ImageRef, normaliseRegistryPrefix(prefix));
  t.ok(ok('ghcr.io/kadmit/app:1', 'ghcr.io'));
  t.ok(ok('ghcr.io/kadmit/app:1', 'ghcr.io/kadmit'));
  t.ok(ok('ghcr.io/kadmit/app:1', 'ghcr.io/kadmit/app'));
  t.notOk(ok('ghcr.io/kadmitx/app:1', 'ghcr.io/kadmit'));
  t.notOk(ok('ghcr.io.evil.com/kadmit/app:1', 'ghcr.io'));
  t.ok(ok('nginx:1', 'docker.io/library'));
  t.ok(ok('nginx:1', 'Index.Docker.io'));
  t.notOk(ok('bitnami/redis:7', 'docker.io/library'));
});
