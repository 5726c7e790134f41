// The view model of an active user's page, phone first: one-tap import buttons grouped by
// platform (with where to get each app), then QR codes for scanning from another device,
// then the user's servers by region, then when the profile refreshes, the status page and
// whom to ask. The template (site/templates/user.hbs) only lays it out.
import { regionTitle } from '../model/regions.ts';
import { directoryIndex } from '../model/site-host.ts';
import { parseInstant } from '../model/time.ts';
import type { Fleet, User } from '../model/types.ts';
import { BYTES_PER_GB, quotaShare } from '../model/quota.ts';
import { APPS, PLATFORMS, PROFILE_FILES, type ProfileFile } from './deeplinks.ts';
import { latencyFor, type RankedNode } from './health-order.ts';
import { langBlocks, layout, timeText, userLang, type PageCommon } from './pages.ts';
import type { StatusView } from './status-adapter.ts';
import { qrSymbol } from './qr.ts';
import { fill, LANG_FILE, type Lang, type Strings } from './templates.ts';

const FORMAT_KEY: Record<ProfileFile, string> = { 'sing-box.json': 'sing-box', 'mihomo.yaml': 'mihomo', 'links.txt': 'links' };
const DAY_MS = 86_400_000;

/**
 * The one page of an active user's folder, index.html, in both languages: the user's own
 * first in the markup order that CSS shows, the other shown instead when the link to it
 * (`#zh`, `#en`) is followed — no second file, no script. The QR codes are in the page
 * once, as SVG symbols each language block shows with <use>.
 */
export function userPages(c: PageCommon & { now: Date }, user: User, folderUrl: string, ranked: RankedNode[], status?: StatusView): [string, string][] {
  const def = userLang(c.fleet, user);
  const siteLang = userLang(c.fleet);
  const profileName = c.fleet.settings.site.title ?? c.fleet.settings.name;
  const blocks = langBlocks(c, def, (lang, t) => ({
    name: user.name,
    expires: expiryText(user, c.now, t),
    ...quotaFacts(c.fleet, user, t),
    updateEvery: fill(t.updateEvery, { hours: c.fleet.settings.subscription.update_interval_hours }),
    platforms: platformGroups(c, t, folderUrl, profileName),
    subs: PROFILE_FILES.map((file) => ({ id: FORMAT_KEY[file], label: t.formats[FORMAT_KEY[file]], url: `${folderUrl}${file}`, symbol: `qr-${FORMAT_KEY[file]}` })),
    regions: regionGroups(c, lang, t, user, ranked, status),
    statusHref: `../../status/${lang === siteLang ? directoryIndex(c.fleet.settings.site) : LANG_FILE[lang]}`,
    contact: c.fleet.settings.site.contact ?? '',
  }));
  const base = layout(c, def, def, '../../assets/', c.tpl.strings[def].hello);
  const qrDefs = `<svg class="qr-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>${PROFILE_FILES.map((f) => qrSymbol(`qr-${FORMAT_KEY[f]}`, `${folderUrl}${f}`)).join('')}</defs></svg>`;
  return [['index.html', c.tpl.render('user', { ...base, alt: undefined, qrDefs, blocks })]];
}

/** iPhone / Android / computer, each with its apps: the import button and where to get the app. */
function platformGroups(c: PageCommon, t: Strings, folderUrl: string, profileName: string) {
  return PLATFORMS.map((p) => ({
    id: p,
    name: t.platforms[p].name,
    note: t.platforms[p].note,
    apps: APPS.filter((a) => a.platform === p).map((a) => {
      const mirror = c.fleet.settings.site.apps[a.id];
      return {
        id: a.id,
        open: fill(t.open, { app: a.name }),
        href: a.link(`${folderUrl}${a.file}`, profileName),
        get: fill(t.get, { app: a.name }),
        getHref: mirror?.url ?? a.get,
        sha256: mirror?.sha256 ?? '',
        facts: t.apps[a.id],
      };
    }),
  }));
}

function regionGroups(c: PageCommon, lang: Lang, t: Strings, user: User, ranked: RankedNode[], status?: StatusView) {
  const groups: { slug: string; name: string; nodes: object[] }[] = [];
  for (const r of ranked) {
    let group = groups.find((g) => g.slug === r.node.region);
    if (!group) groups.push(group = { slug: r.node.region, name: regionTitle(c.fleet.settings, r.node.region, lang), nodes: [] });
    // Only what a vantage where the user is measured: a US runner's figure says nothing
    // about a user in China.
    const ms = latencyFor(status?.nodes[r.node.name], user.region);
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
