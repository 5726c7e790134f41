// View models of the small pages (inactive user, landing, 404) and what every page shares;
// the user page and the status page have their own modules. Templates in site/templates
// only lay them out. Public pages take nothing from users.
import { parseInstant } from '../model/time.ts';
import { directoryIndex } from '../model/site-host.ts';
import type { Fleet, User } from '../model/types.ts';
import { altOf, LANG_FILE, LANGS, pageFiles, type Lang, type Strings, type Templates } from './templates.ts';

export interface PageCommon { fleet: Fleet; tpl: Templates; demo: boolean }

export function baseOf(fleet: Fleet, override?: string): string {
  return (override ?? fleet.settings.site.base_url).replace(/\/+$/, '');
}

export function userLang(fleet: Fleet, user?: User): Lang {
  return user?.language ?? fleet.settings.site.language;
}

export function layout(c: PageCommon, lang: Lang, defaultLang: Lang, assets: string, pageTitle: string) {
  const t = c.tpl.strings[lang];
  const siteTitle = c.fleet.settings.site.title ?? c.fleet.settings.name;
  return { t, demo: c.demo, assets, siteTitle, pageTitle: `${pageTitle} · ${siteTitle}`, alt: altOf(lang, defaultLang, c.tpl.strings, directoryIndex(c.fleet.settings.site)) };
}

/**
 * The two language blocks of a one-file page, the other language first in the markup: CSS
 * shows the default block, and the other one instead while its fragment (#zh, #en) is the
 * target. `fill` adds each block's own content.
 */
export function langBlocks<T extends object>(c: PageCommon, def: Lang, fill: (lang: Lang, t: Strings) => T) {
  const alt: Lang = def === 'en' ? 'zh-CN' : 'en';
  const block = (lang: Lang, kind: 'default' | 'alt') => {
    const t = c.tpl.strings[lang];
    // The default block is shown by clearing the fragment; the other by naming it.
    return { t, id: BLOCK_ID[lang], cls: `lang-${kind}`, switchHref: kind === 'default' ? `#${BLOCK_ID[alt]}` : '#',
      switchLang: c.tpl.strings[lang === 'en' ? 'zh-CN' : 'en'].lang, switchLabel: t.switchTo, ...fill(lang, t) };
  };
  return [block(alt, 'alt'), block(def, 'default')];
}

/** Fragment ids of the language blocks (the same names as the other pages' language files). */
const BLOCK_ID: Record<Lang, string> = { en: 'en', 'zh-CN': 'zh' };

/** An inactive user's one page, both languages in it like an active user's page. */
export function inactivePages(c: PageCommon, user: User, state: 'disabled' | 'expired'): [string, string][] {
  const def = userLang(c.fleet, user);
  // Said only where access has ended, and for its case: a paused and an expired link.
  const blocks = langBlocks(c, def, (_, t) => ({ reason: t[state], contactHint: t.contactToContinue[state], contact: c.fleet.settings.site.contact ?? '' }));
  const base = layout(c, def, def, '../../assets/', c.tpl.strings[def].inactiveTitle);
  return [['index.html', c.tpl.render('inactive', { ...base, alt: undefined, blocks })]];
}

export function landingPages(c: PageCommon): [string, string][] {
  const def = userLang(c.fleet);
  return pageFiles(def, (lang) => c.tpl.render('landing', {
    ...layout(c, lang, def, 'assets/', c.tpl.strings[lang].landingTitle),
    statusFile: lang === def ? directoryIndex(c.fleet.settings.site) : LANG_FILE[lang],
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

/** Fixed UTC wording: the page must not depend on the build machine's zone or locale. */
export function timeText(iso: string): string {
  const d = parseInstant(iso);
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}
