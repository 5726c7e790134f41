// View models for every page: the only place that decides what a page shows. Templates in
// site/templates only lay it out. Public pages (landing, status, 404) take nothing from
// users; node addresses and protocols appear only with alerts.show_addresses.
import { parseInstant } from '../model/time.ts';
import type { Fleet, User } from '../model/types.ts';
import { PROTOCOL_NAMES } from '../render/endpoint.ts';
import { chartLegend, latencyChart } from './charts.ts';
import { appLinks, PROFILE_FILES, type ProfileFile } from './deeplinks.ts';
import { latencyFor, type Health, type RankedNode } from './health-order.ts';
import type { StatusView } from './status-adapter.ts';
import { altOf, fill, LANG_FILE, LANGS, pageFiles, type Lang, type Templates } from './templates.ts';

export interface PageCommon { fleet: Fleet; tpl: Templates; demo: boolean }

export const QR_FILE: Record<ProfileFile, string> = {
  'sing-box.json': 'qr-sing-box.svg', 'mihomo.yaml': 'qr-mihomo.svg', 'links.txt': 'qr-links.svg',
};
const FORMAT_KEY: Record<ProfileFile, string> = { 'sing-box.json': 'sing-box', 'mihomo.yaml': 'mihomo', 'links.txt': 'links' };

export function baseOf(fleet: Fleet, override?: string): string {
  return (override ?? fleet.settings.site.base_url).replace(/\/+$/, '');
}

export function userLang(fleet: Fleet, user?: User): Lang {
  return user?.language ?? fleet.settings.site.language;
}

function layout(c: PageCommon, lang: Lang, defaultLang: Lang, assets: string, pageTitle: string) {
  const t = c.tpl.strings[lang];
  const siteTitle = c.fleet.settings.site.title ?? c.fleet.settings.name;
  return { t, demo: c.demo, assets, siteTitle, pageTitle: `${pageTitle} · ${siteTitle}`, alt: altOf(lang, defaultLang, c.tpl.strings) };
}

/** index.html and the other language's page of an active user's folder. */
export function userPages(c: PageCommon, user: User, folderUrl: string, ranked: RankedNode[], status?: StatusView): [string, string][] {
  const def = userLang(c.fleet, user);
  const profileName = c.fleet.settings.site.title ?? c.fleet.settings.name;
  return pageFiles(def, (lang) => {
    const base = layout(c, lang, def, '../../assets/', c.tpl.strings[lang].hello);
    const t = base.t;
    const subs = PROFILE_FILES.map((file) => {
      const url = `${folderUrl}${file}`;
      return {
        id: FORMAT_KEY[file], label: t.formats[FORMAT_KEY[file]], url, qrFile: QR_FILE[file],
        apps: appLinks(file, url, profileName).map((a) => ({ ...a, label: fill(t.open, { app: a.app }) })),
      };
    });
    const regions: { name: string; nodes: object[] }[] = [];
    for (const r of ranked) {
      let group = regions.find((g) => g.name === r.node.region);
      if (!group) regions.push(group = { name: r.node.region, nodes: [] });
      const ms = latencyFor(status?.nodes[r.node.name], user.region) ?? bestLatency(status, r.node.name);
      group.nodes.push({ title: r.node.title, state: r.health, stateText: t.state[r.health], latency: ms === undefined ? '' : fill(t.latency, { ms: Math.round(ms) }) });
    }
    return c.tpl.render('user', {
      ...base, name: user.name, expires: expiryText(user, t.noExpiry), quota: user.quota_gb === undefined ? '' : `${user.quota_gb} GB`,
      subs, regions,
      platforms: ['ios', 'android', 'desktop'].map((p) => t.platforms[p]),
      updateEvery: fill(t.updateEvery, { hours: c.fleet.settings.subscription.update_interval_hours }),
      contact: c.fleet.settings.site.contact ?? '',
    });
  });
}

export function inactivePages(c: PageCommon, user: User, state: 'disabled' | 'expired'): [string, string][] {
  const def = userLang(c.fleet, user);
  return pageFiles(def, (lang) => {
    const base = layout(c, lang, def, '../../assets/', c.tpl.strings[lang].inactiveTitle);
    return c.tpl.render('inactive', { ...base, reason: base.t[state], contact: c.fleet.settings.site.contact ?? '' });
  });
}

export function landingPages(c: PageCommon): [string, string][] {
  const def = userLang(c.fleet);
  return pageFiles(def, (lang) => c.tpl.render('landing', {
    ...layout(c, lang, def, 'assets/', c.tpl.strings[lang].landingTitle),
    statusFile: lang === def ? '' : LANG_FILE[lang],
  }));
}

/** 404.html is served at any depth, so it carries its CSS inline and both languages. */
export function notFoundPage(c: PageCommon): string {
  const def = userLang(c.fleet);
  const ordered = [def, ...LANGS.filter((l) => l !== def)];
  return c.tpl.render('not-found', {
    ...layout(c, def, def, '', c.tpl.strings[def].notFoundTitle), alt: undefined, inlineCss: c.tpl.css,
    langs: ordered.map((l) => c.tpl.strings[l]),
  });
}

export function statusPages(c: PageCommon, status?: StatusView): [string, string][] {
  const def = userLang(c.fleet);
  const show = c.fleet.settings.alerts.show_addresses;
  return pageFiles(def, (lang) => {
    const base = layout(c, lang, def, '../assets/', c.tpl.strings[lang].statusTitle);
    const t = base.t;
    const nodes = c.fleet.nodes.filter((n) => n.enabled).map((n) => {
      const s = status?.nodes[n.name];
      const health: Health = s?.state ?? 'unknown';
      const latency = Object.entries(s?.latency ?? {}).map(([region, ms]) => `${region} ${fill(t.latency, { ms: Math.round(ms) })}`).join(', ');
      return {
        title: n.title, region: n.region, state: health, stateText: t.state[health],
        since: s?.since ? fill(t.since, { time: timeText(s.since) }) : '', latency,
        address: show ? n.address : '', protocols: show ? n.inbounds.map((i) => `${PROTOCOL_NAMES[i.type]} ${i.public_port ?? i.port}`).join(', ') : '',
        chart: s ? latencyChart(s.history, `${t.historyAlt}: ${n.title}`) : undefined,
        legend: s ? chartLegend(s.history) : [],
      };
    });
    const asOf = status?.updated ? fill(t.statusAsOf, { time: timeText(status.updated) }) : t.statusNone;
    return c.tpl.render('status', { ...base, nodes, asOf });
  });
}

function bestLatency(status: StatusView | undefined, node: string): number | undefined {
  const values = Object.values(status?.nodes[node]?.latency ?? {});
  return values.length ? Math.min(...values) : undefined;
}

function expiryText(user: User, none: string): string {
  if (!user.expires) return none;
  // A date means the end of that UTC day: show it as the operator wrote it.
  return /^\d{4}-\d{2}-\d{2}$/.test(user.expires) ? user.expires : timeText(user.expires);
}

/** Fixed UTC wording: the page must not depend on the build machine's zone or locale. */
export function timeText(iso: string): string {
  const d = parseInstant(iso);
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}
