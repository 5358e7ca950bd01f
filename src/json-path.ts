// The one way kadmit shows a path into a JSON value to a person:
// `spec.containers[0].image`; keys that are not plain names are quoted,
// `metadata.labels["app.kubernetes.io/name"]`.
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * `root` is what the empty path is shown as: '(root)' in messages (pass it), ''
 * where the path is data (a schema issue's `path` is '' for the value itself).
 */
export function formatJsonPath(path: readonly PropertyKey[], root = ''): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += PLAIN_KEY.test(key) ? (out === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? root : out;
}
