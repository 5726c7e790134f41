// What the site's host changes about the site: an object store (`site.host: s3`) serves
// exact keys only, so a folder's page is linked as `…/index.html`; and it sends no
// per-user response headers, so apps learn no quota or expiry from it.
import type { Diagnostic } from './diagnostics.ts';
import { positionOf } from './parse.ts';
import type { Sources } from './semantic.ts';
import type { FleetSettings, User } from './types.ts';

/**
 * What a link to a folder's page ends in. Static web hosts map `/s/<token>/` to its
 * index.html; an object store has no folders, only the key `s/<token>/index.html`.
 */
export function directoryIndex(site: Pick<FleetSettings['site'], 'host'>): string {
  return site.host === 's3' ? 'index.html' : '';
}

/** Rules a host applies from `_headers` at most (Cloudflare Pages 100; Netlify documents none). */
export const HEADER_RULE_LIMIT: Record<'cloudflare' | 'netlify', number> = { cloudflare: 100, netlify: Infinity };
/** The fleet-wide rules every `_headers` starts with (site/headers.ts); the rest are per token folder. */
export const FIXED_HEADER_RULES = 4;

export function checkSiteHost(settings: FleetSettings, users: User[], src: Sources): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[]) => ({ file: src.fleet.file, ...positionOf(src.fleet, path) });
  const site = settings.site;
  if (site.host === 's3' && !site.s3) {
    out.push({
      severity: 'error', ...at(['site', 'host']),
      message: '`site.host: s3` needs the store it publishes to',
      hint: 'add `s3: { endpoint: https://<account id>.r2.cloudflarestorage.com, bucket: <bucket> }` under `site:`',
    });
  }
  if (site.host !== 's3' && site.s3) {
    out.push({
      severity: 'warning', ...at(['site', 's3']),
      message: `\`site.s3\` is ignored: the site is published to ${site.host}`,
      hint: 'set `site.host: s3` to publish to the object store, or remove `site.s3`',
    });
  }
  const withInfo = users.filter((u) => u.quota_gb !== undefined || u.expires !== undefined);
  if (site.host === 's3' && withInfo.length > 0) {
    out.push({
      severity: 'warning', ...at(['site', 'host']),
      message: `apps show no quota or expiry on an object store: it sends no per-user \`subscription-userinfo\` header (${withInfo.length} user${withInfo.length === 1 ? ' has' : 's have'} one)`,
      hint: 'users still see both on their page; a host that reads `_headers` (cloudflare, netlify) sends them to apps too',
    });
  }
  return out;
}
