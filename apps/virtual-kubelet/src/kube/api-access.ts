/**
 * Which RBAC permission one API request needs, derived from its method and path, so the
 * controller can report exactly the verbs it uses (kustomize ClusterRole, tests).
 */
export interface ApiAccess {
  group: string;
  resource: string;
  verb: string;
}

export function apiAccessOf(method: string, path: string, watch = false): ApiAccess | undefined {
  const clean = path.split('?')[0] ?? '';
  const parts = clean.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
    group = parts[1];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[0];
  if (!resource) return undefined;
  const isItem = rest.length >= 2;
  const sub = rest[2];
  const fullResource = sub ? `${resource}/${sub}` : resource;
  const m = method.toUpperCase();
  let verb: string;
  if (m === 'GET') verb = watch ? 'watch' : isItem ? 'get' : 'list';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = isItem ? 'delete' : 'deletecollection';
  else verb = m.toLowerCase();
  return { group, resource: fullResource, verb };
}

/** `group/resource:verb` keys, sorted, for reporting. */
export function formatAccess(access: Iterable<ApiAccess>): string[] {
  return [...new Set([...access].map((a) => `${a.group || 'core'}/${a.resource}:${a.verb}`))].sort();
}
