// What each static host accepts, known before publishing (#16): a fleet that outgrows its
// host hears so from `fleet validate` (files, estimated from the model) and `fleet site`
// (files and bytes, counted as written), with a warning from 80% and a refusal at 100%,
// instead of a publish that fails on the host.
//   GitHub Pages: a site of at most 1 GB, measured on the artifact upload-pages-artifact
//   packs (hard links dereferenced, so grace-period copies count in full).
//   Cloudflare Pages: 20,000 files on the free plan, 100,000 on paid plans; 25 MiB a file.
import { graceRev, userState } from './access.ts';
import type { Fleet, FleetSettings } from './types.ts';

/**
 * What the site stage writes (scripts/site/user-folder.ts, build.ts), counted from the model
 * so validate knows it without building: per active user's token folder the three profiles
 * and one page (both languages, QR codes inline); per inactive user's folder its page; and
 * the shared files at the root. A test keeps it equal to what a build writes.
 */
export const SITE_FILES = { activeFolder: 3 + 1, inactiveFolder: 1, root: 9 } as const;

export function estimateSiteFiles(fleet: Pick<Fleet, 'settings' | 'users'>, now: Date, demo = false): number {
  let files = SITE_FILES.root + (demo ? 1 : 0) + (['cloudflare', 'netlify'].includes(fleet.settings.site.host) ? 1 : 0);
  for (const user of fleet.users) {
    if (userState(user, now) !== 'active') files += SITE_FILES.inactiveFolder;
    else files += SITE_FILES.activeFolder * (graceRev(user, fleet, now) === undefined ? 1 : 2);
  }
  return files;
}

export interface HostLimits { host: string; files?: number; bytes?: number }

export function hostLimits(site: Pick<FleetSettings['site'], 'host' | 'plan'>): HostLimits {
  switch (site.host) {
    case 'github-pages': return { host: 'GitHub Pages', bytes: 1_000_000_000 };
    case 'cloudflare': return site.plan === 'paid' ? { host: 'Cloudflare Pages (paid plan)', files: 100_000 } : { host: 'Cloudflare Pages (free plan)', files: 20_000 };
    default: return { host: site.host };
  }
}

export interface LimitCheck { level: 'warning' | 'error'; message: string; hint: string }

/** One line per limit at 80% or more: what, how much, and what to do. */
export function checkLimits(limits: HostLimits, used: { files: number; bytes?: number }, estimated = false): LimitCheck[] {
  const out: LimitCheck[] = [];
  const what = estimated ? 'will have' : 'has';
  const check = (kind: 'files' | 'bytes', n: number | undefined, max: number | undefined, unit: (v: number) => string) => {
    if (n === undefined || max === undefined || n < 0.8 * max) return;
    const level = n >= max ? 'error' : 'warning';
    out.push({
      level,
      message: `the site ${what} ${unit(n)}, ${Math.floor((n / max) * 100)}% of the ${unit(max)} ${limits.host} allows`,
      hint: `${level === 'error' ? 'it would not publish: ' : 'before it is full: '}${advice(limits)}`,
    });
  };
  check('files', used.files, limits.files, (v) => `${v.toLocaleString('en-US')} files`);
  check('bytes', used.bytes, limits.bytes, (v) => `${(v / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`);
  return out;
}

function advice(limits: HostLimits): string {
  const store = 'publish to an object store instead (`site.host: s3` with `site.s3`, e.g. Cloudflare R2: no file or size limit; `fleet publish`)';
  if (limits.host === 'Cloudflare Pages (free plan)') return `set \`site.plan: paid\` on a paid Cloudflare plan (100,000 files), or ${store}`;
  const paid = limits.host === 'GitHub Pages' ? ' or Cloudflare Pages on a paid plan (100,000 files)' : '';
  return `${store}${paid}, or lower \`users.rotation_grace\` so fewer grace-period copies are kept`;
}
