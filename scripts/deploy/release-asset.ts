// A release asset of a private GitHub repository (the stats build of #18 lives in the fleet
// repository's releases): its browser URL, `…/releases/download/TAG/NAME`, answers 404
// without a signed-in browser, so with a token the same file is fetched through the REST
// API instead — the release by tag, then the asset as application/octet-stream, which
// redirects to short-lived storage. The token goes to the API host only: fetch drops the
// Authorization header when a redirect leaves that origin.
import { OperationError } from '../core/command.ts';

export interface GithubAsset { api: string; owner: string; repo: string; tag: string; name: string; token: string }

const SEGMENT = /^[A-Za-z0-9._-]{1,100}$/;

/** The asset `url` names, when it is a release download on this GitHub and a token is set. */
export function githubAsset(url: string, env: NodeJS.ProcessEnv): GithubAsset | undefined {
  const token = env.GITHUB_TOKEN;
  if (!token) return undefined;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  if (!url.startsWith(`${server}/`)) return undefined;
  const parts = url.slice(server.length + 1).split('/').map((p) => decodeURIComponent(p));
  if (parts.length !== 6 || parts[2] !== 'releases' || parts[3] !== 'download') return undefined;
  const [owner, repo, , , tag, name] = parts as [string, string, string, string, string, string];
  if (![owner, repo, tag, name].every((p) => SEGMENT.test(p))) return undefined;
  return { api: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''), owner, repo, tag, name, token };
}

/** The asset's bytes as a Response (the caller checks size and pin). */
export async function fetchGithubAsset(a: GithubAsset, what: string): Promise<Response> {
  const headers = { authorization: `Bearer ${a.token}`, 'x-github-api-version': '2022-11-28' };
  const signal = AbortSignal.timeout(120_000);
  const where = `release ${a.tag} of ${a.owner}/${a.repo}`;
  const rel = await fetch(`${a.api}/repos/${a.owner}/${a.repo}/releases/tags/${encodeURIComponent(a.tag)}`, { headers: { ...headers, accept: 'application/vnd.github+json' }, signal });
  if (!rel.ok) throw new OperationError(`download of ${what} failed: ${where}: HTTP ${rel.status} (the token needs contents: read on that repository)`);
  const body = (await rel.json()) as { assets?: { id?: unknown; name?: unknown }[] };
  const asset = (Array.isArray(body.assets) ? body.assets : []).find((x) => x.name === a.name);
  if (!asset || !Number.isSafeInteger(asset.id)) throw new OperationError(`download of ${what} failed: ${where} has no asset ${a.name}`);
  return fetch(`${a.api}/repos/${a.owner}/${a.repo}/releases/assets/${asset.id as number}`, { headers: { ...headers, accept: 'application/octet-stream' }, redirect: 'follow', signal });
}
