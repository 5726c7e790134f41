// The view model of an active user's page, phone first: one-tap import buttons grouped by
// platform (with where to get each app), then QR codes for scanning from another device,
// then the user's servers by region, then when the profile refreshes, the status page and
// whom to ask. The template (site/templates/user.hbs) only lays it out. The model is built
// from a shape and the user's own texts, and nothing else of the user, so that a large
// build can fill many users' pages from one render (page-template.ts).
import { regionTitle } from '../model/regions.ts';
import { directoryIndex } from '../model/site-host.ts';
import { parseInstant } from '../model/time.ts';
import type { Fleet, User } from '../model/types.ts';
import { BYTES_PER_GB, quotaShare } from '../model/quota.ts';
import { APPS, PLATFORMS, PROFILE_FILES, type ProfileFile } from './deeplinks.ts';
import type { RankedNode } from './health-order.ts';
import { langBlocks, layout, timeText, userLang, type PageCommon } from './pages.ts';
import { qrDataUrl, type QrImageUrl } from './qr.ts';
import { fill, LANG_FILE, type Lang, type Strings } from './templates.ts';

const FORMAT_KEY: Record<ProfileFile, string> = { 'sing-box.json': 'sing-box', 'mihomo.yaml': 'mihomo', 'links.txt': 'links' };
const DAY_MS = 86_400_000;

/**
 * The one page of an active user's folder, index.html, in both languages: the user's own
 * first in the markup order that CSS shows, the other shown instead when the link to it
 * (`#zh`, `#en`) is followed — no second file, no script. The QR codes are small PNG
 * images in data: URLs (about 400 bytes each).
 */
export function userPages(c: PageCommon & { now: Date }, user: User, folderUrl: string, ranked: RankedNode[]): [string, string][] {
  return [['index.html', pageHtml(c, shapeOf(c, user, ranked), personalOf(c, user, folderUrl))]];
}

/**
 * What decides a page's markup besides the fleet: users with the same shape get pages that
 * differ only in their Personal texts (page-template.ts). Nothing else of the user is in it.
 */
export interface PageShape {
  def: Lang;
  hasQuota: boolean;
  quotaLevel: '' | 'near' | 'over';
  /** Each node's place, health and latency as measured for the user's region. */
  ranked: readonly RankedNode[];
}

/** The texts of a page that are the user's alone, as they are before the template escapes them. */
export interface Personal {
  name: string;
  expires: Record<Lang, string>;
  quota: Record<Lang, string>;
  /** One-tap import link per app, in APPS order. */
  links: string[];
  /** Profile URL per file, in PROFILE_FILES order. */
  urls: string[];
  /** The QR code image of each profile URL, in PROFILE_FILES order (put in raw: see QrImageUrl). */
  qr: QrImageUrl[];
}

export function shapeOf(c: PageCommon, user: User, ranked: readonly RankedNode[]): PageShape {
  const quota = quotaFacts(c.fleet, user, c.tpl.strings.en);
  return { def: userLang(c.fleet, user), hasQuota: quota.quota !== '', quotaLevel: quota.quotaLevel, ranked };
}

export function personalOf(c: PageCommon & { now: Date }, user: User, folderUrl: string): Personal {
  const profileName = c.fleet.settings.site.title ?? c.fleet.settings.name;
  const perLang = <T>(f: (t: Strings) => T) => ({ en: f(c.tpl.strings.en), 'zh-CN': f(c.tpl.strings['zh-CN']) });
  return {
    name: user.name,
    expires: perLang((t) => expiryText(user, c.now, t)),
    quota: perLang((t) => quotaFacts(c.fleet, user, t).quota),
    links: APPS.map((a) => a.link(`${folderUrl}${a.file}`, profileName)),
    urls: PROFILE_FILES.map((f) => `${folderUrl}${f}`),
    qr: PROFILE_FILES.map((f) => qrDataUrl(`${folderUrl}${f}`)),
  };
}

/** The page of a shape filled with these texts (real ones, or markers for a template). */
export function pageHtml(c: PageCommon, shape: PageShape, p: Personal): string {
  const siteLang = userLang(c.fleet);
  const blocks = langBlocks(c, shape.def, (lang, t) => ({
    name: p.name,
    expires: p.expires[lang],
    quota: shape.hasQuota ? p.quota[lang] : '',
    quotaLevel: shape.quotaLevel,
    updateEvery: fill(t.updateEvery, { hours: c.fleet.settings.subscription.update_interval_hours }),
    platforms: platformGroups(c, t, p),
    subs: PROFILE_FILES.map((file, i) => ({ id: FORMAT_KEY[file], label: t.formats[FORMAT_KEY[file]], url: p.urls[i], qr: p.qr[i] })),
    regions: regionGroups(c, lang, t, shape.ranked),
    statusHref: `../../status/${lang === siteLang ? directoryIndex(c.fleet.settings.site) : LANG_FILE[lang]}`,
    contact: c.fleet.settings.site.contact ?? '',
  }));
  const base = layout(c, shape.def, shape.def, '../../assets/', c.tpl.strings[shape.def].hello);
  return c.tpl.render('user', { ...base, alt: undefined, blocks });
}

/** iPhone / Android / computer, each with its apps: the import button and where to get the app. */
function platformGroups(c: PageCommon, t: Strings, p: Personal) {
  return PLATFORMS.map((platform) => ({
    id: platform,
    name: t.platforms[platform].name,
    note: t.platforms[platform].note,
    apps: APPS.flatMap((a, i) => (a.platform !== platform ? [] : [{
      id: a.id,
      open: fill(t.open, { app: a.name }),
      href: p.links[i],
      get: fill(t.get, { app: a.name }),
      getHref: c.fleet.settings.site.apps[a.id]?.url ?? a.get,
      sha256: c.fleet.settings.site.apps[a.id]?.sha256 ?? '',
      facts: t.apps[a.id],
    }])),
  }));
}

function regionGroups(c: PageCommon, lang: Lang, t: Strings, ranked: readonly RankedNode[]) {
  const groups: { slug: string; name: string; nodes: object[] }[] = [];
  for (const r of ranked) {
    let group = groups.find((g) => g.slug === r.node.region);
    if (!group) groups.push(group = { slug: r.node.region, name: regionTitle(c.fleet.settings, r.node.region, lang), nodes: [] });
    // Only what a vantage where the user is measured (rankNodes): a US runner's figure says
    // nothing about a user in China.
    const ms = r.latency_ms;
    group.nodes.push({ title: r.node.title, state: r.health, stateText: t.state[r.health], latency: ms === undefined ? '' : fill(t.latency, { ms: Math.round(ms) }) });
  }
  return groups;
}

/** The last day of access as the operator wrote it, with the days left counted from the build. */
/**
 * The allowance, and with counted usage (#18) how much of it this period used: a warning
 * from 80%, "quota reached" with the day it comes back once it is used up.
 */
function quotaFacts(fleet: Fleet, user: User, t: Strings): { quota: string; quotaLevel: '' | 'near' | 'over' } {
  if (user.quota_gb === undefined) return { quota: '', quotaLevel: '' };
  const share = fleet.settings.singbox.build === 'stats' ? quotaShare(fleet, user) : undefined;
  if (share === undefined || !fleet.quota) return { quota: fill(t.quotaValue, { gb: user.quota_gb }), quotaLevel: '' };
  const b = fleet.quota.used[user.name];
  const vars = {
    used: (((b?.up ?? 0) + (b?.down ?? 0)) / BYTES_PER_GB).toFixed(2), gb: user.quota_gb,
    pct: Math.floor(share * 100), resets: fleet.quota.period.end.toISOString().slice(0, 10),
  };
  if (fleet.quota.over.has(user.name)) return { quota: fill(t.quotaReached, vars), quotaLevel: 'over' };
  if (share >= 0.8) return { quota: fill(t.quotaNear, vars), quotaLevel: 'near' };
  return { quota: fill(t.quotaUsed, vars), quotaLevel: '' };
}

function expiryText(user: User, now: Date, t: Strings): string {
  if (!user.expires) return t.noExpiry;
  const end = parseInstant(user.expires, true);
  // A date means the end of that UTC day: show it as the operator wrote it.
  const shown = /^\d{4}-\d{2}-\d{2}$/.test(user.expires) ? user.expires : timeText(user.expires);
  if (!end) return shown;
  const days = Math.floor((end.getTime() - now.getTime()) / DAY_MS);
  return `${shown} (${days < 1 ? t.lastDay : fill(days === 1 ? t.dayLeft : t.daysLeft, { days })})`;
}
