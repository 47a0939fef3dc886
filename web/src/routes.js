// The app's pages live in the URL fragment, so reload, back/forward and shared links work:
//   #/chat/<id>                a chat
//   #/projects                 the signed-in user's projects
//   #/library                  the signed-in user's image library
//   #/identities               the identity image chat ("me as this identity")
//   #/usage                    the signed-in user's usage, costs and remaining quota
//   #/projects/<uid>/<slug>    a project's page (the `url` the API returns, `/#/projects/...`)

const decode = (part) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/** {kind: 'chat', id} | {kind: 'projects'} | {kind: 'library'} | {kind: 'identities'} | {kind: 'usage'} | {kind: 'project', uid, slug} | {kind: 'none'} */
export function routeFromHash(hash = window.location.hash) {
  let match = /^#\/chat\/([^/]+)$/.exec(hash);
  if (match) return { kind: 'chat', id: match[1] };
  if (/^#\/projects\/?$/.test(hash)) return { kind: 'projects' };
  if (/^#\/library\/?$/.test(hash)) return { kind: 'library' };
  if (/^#\/identities\/?$/.test(hash)) return { kind: 'identities' };
  if (/^#\/usage\/?$/.test(hash)) return { kind: 'usage' };
  match = /^#\/projects\/([^/]+)\/([^/]+)$/.exec(hash);
  if (match) return { kind: 'project', uid: decode(match[1]), slug: decode(match[2]) };
  return { kind: 'none' };
}

export const projectHash = (uid, slug) => `#/projects/${encodeURIComponent(uid)}/${encodeURIComponent(slug)}`;

/** The fragment of an API `url` ("/#/projects/u/s" → "#/projects/u/s"). */
export const hashOf = (url) => url.slice(url.indexOf('#'));

export const chatHash = (id) => `#/chat/${id}`;
