// Map a request (method, path, query) to a resource and a Kubernetes verb.
import type { Verb } from './faults.ts';
import { findResource, type ResourceInfo } from './resources.ts';

export interface Route {
  res: ResourceInfo;
  namespace: string | undefined; // undefined: cluster-scoped, or a namespaced list across all namespaces
  name: string;
  subresource: string;
  verb: Verb;
}

export type RouteResult = { route: Route } | { error: 'not-found' | 'method-not-allowed' };

export function route(method: string, pathname: string, query: URLSearchParams): RouteResult {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return { error: 'not-found' };

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [plural, name = '', subresource = '', ...extra] = rest;
  if (!plural || extra.length > 0) return { error: 'not-found' };
  const res = findResource(group, version, plural);
  if (!res) return { error: 'not-found' };
  // Namespaced objects are addressed inside a namespace; cluster-scoped ones never are.
  if (res.namespaced ? namespace === undefined && name !== '' : namespace !== undefined) return { error: 'not-found' };
  if (subresource !== '') return { error: 'not-found' };

  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: Verb | undefined;
  switch (method) {
    case 'GET':
      verb = name ? 'get' : watch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = name ? undefined : 'create';
      break;
    case 'PUT':
      verb = name ? 'update' : undefined;
      break;
    case 'PATCH':
      verb = name ? 'patch' : undefined;
      break;
    case 'DELETE':
      verb = name ? 'delete' : undefined;
      break;
  }
  if (!verb) return { error: 'method-not-allowed' };
  return { route: { res, namespace, name, subresource, verb } };
}
