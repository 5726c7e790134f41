// `_headers` for hosts that read it (Cloudflare Pages, Netlify; ops.md §1.11). GitHub Pages
// and a plain web server ignore or would publish the file, so it is never written for them.
// Fleet-wide headers use patterns; only usage, quota and expiry need one rule per token folder.
// The file names no user (only token paths), and lists only folders that exist anyway.
import { parseInstant } from '../model/time.ts';
import type { FleetSettings, User } from '../model/types.ts';
import { BYTES_PER_GB, type QuotaState } from '../model/quota.ts';
import { HEADER_RULE_LIMIT } from '../model/site-host.ts';


export interface TokenFolder { token: string; user: User }

/**
 * The allowance, the expiry, and what was used this period where it is counted (the stats
 * build, the site built with --status): never `upload=0; download=0` for usage nobody
 * counted, which would tell every app that nothing was used.
 */
export function userInfo(user: User, quota?: QuotaState): string | undefined {
  const parts: string[] = [];
  if (quota) {
    const b = quota.used[user.name] ?? { up: 0, down: 0 };
    parts.push(`upload=${b.up}`, `download=${b.down}`);
  }
  if (user.quota_gb !== undefined) parts.push(`total=${Math.round(user.quota_gb * BYTES_PER_GB)}`);
  const expiry = user.expires ? parseInstant(user.expires, true) : undefined;
  if (expiry) parts.push(`expire=${Math.floor(expiry.getTime() / 1000)}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `quota`: the fleet's quota state when usage is counted (singbox.build stats, site --status). */
export function headersFile(settings: FleetSettings, folders: TokenFolder[], warn: (m: string) => void, quota?: QuotaState): string | undefined {
  const host = settings.site.host;
  if (host !== 'cloudflare' && host !== 'netlify') return undefined;
  const title = settings.site.title ?? settings.name;
  const rules: string[][] = [
    ['/s/*', 'Cache-Control: no-store', 'X-Robots-Tag: noindex', `profile-update-interval: ${settings.subscription.update_interval_hours}`],
    ['/s/:token/sing-box.json', `content-disposition: ${disposition(title, 'json')}`],
    ['/s/:token/mihomo.yaml', `content-disposition: ${disposition(title, 'yaml')}`],
    ['/s/:token/links.txt', `content-disposition: ${disposition(title, 'txt')}`],
  ];
  const perUser = folders.flatMap(({ token, user }) => {
    const info = userInfo(user, quota);
    return info ? [[`/s/${token}/*`, `subscription-userinfo: ${info}`]] : [];
  });
  const limit = HEADER_RULE_LIMIT[host];
  if (rules.length + perUser.length <= limit) rules.push(...perUser);
  else {
    // Half the users with a quota header and half without would be more confusing than
    // none: past the limit the per-user header is left out for everyone.
    warn(`warning: ${perUser.length} token folders need a subscription-userinfo rule, but ${host} applies at most ${limit} rules in _headers; ` +
      'quota and expiry headers are left out (the pages still show them)');
  }
  return rules.map(([path, ...lines]) => [path, ...lines.map((l) => `  ${l}`)].join('\n')).join('\n') + '\n';
}

/** RFC 6266 with an ASCII fallback, since clients take the profile name from it. */
export function disposition(title: string, ext: string): string {
  const ascii = title.replace(/[^A-Za-z0-9 ._-]/g, '').trim() || 'profile';
  return `attachment; filename="${ascii}.${ext}"; filename*=UTF-8''${extValue(`${title}.${ext}`)}`;
}

/**
 * RFC 8187 value-chars: encodeURIComponent leaves ' ( ) * ! as they are, which the header
 * grammar does not allow there (`Bob's VPN`), and throws on a lone surrogate, which becomes
 * U+FFFD first.
 */
function extValue(text: string): string {
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return encodeURIComponent(wellFormed).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
