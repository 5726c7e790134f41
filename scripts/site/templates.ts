// Handlebars templates and language strings from site/: the look of the site is edited
// there, not here. Compiled once per build; Handlebars escapes every value by default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { projectPath } from '../core/paths.ts';

export const SITE_DIR = projectPath('site');

export type Lang = 'en' | 'zh-CN';
export const LANGS: readonly Lang[] = ['en', 'zh-CN'];
/** The file a language's page has besides index.html (which holds the default language). */
export const LANG_FILE: Record<Lang, string> = { en: 'en.html', 'zh-CN': 'zh.html' };

export type Strings = Record<string, any>;

export interface Templates {
  strings: Record<Lang, Strings>;
  css: string;
  copyJs: string;
  render(name: 'user' | 'inactive' | 'landing' | 'not-found' | 'status', context: object): string;
}

export function loadTemplates(siteDir = SITE_DIR): Templates {
  const hb = Handlebars.create();
  const read = (p: string) => readFileSync(join(siteDir, p), 'utf8');
  hb.registerPartial('layout', read('templates/layout.hbs'));
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  for (const name of ['user', 'inactive', 'landing', 'not-found', 'status']) {
    compiled.set(name, hb.compile(read(`templates/${name}.hbs`), { strict: true, preventIndent: true }));
  }
  const strings = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(read(`i18n/${l}.json`))])) as Record<Lang, Strings>;
  return {
    strings,
    css: read('assets/site.css'),
    copyJs: read('assets/copy.js'),
    render: (name, context) => compiled.get(name)!(context),
  };
}

/** `{{hours}}`-style placeholders in language strings (values are escaped by the template). */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k] ?? ''));
}

/** The other language and the link to it from a page written in `lang`. */
export function altOf(lang: Lang, defaultLang: Lang, strings: Record<Lang, Strings>, index = ''): { lang: Lang; href: string; label: string } {
  const other: Lang = lang === 'en' ? 'zh-CN' : 'en';
  // The default language lives at index.html; link to "./" so the URL stays the one shared
  // (an object store has no folders: there it is ./index.html, see directoryIndex).
  return { lang: other, href: other === defaultLang ? `./${index}` : LANG_FILE[other], label: strings[lang].switchTo };
}

/** Files of one page in both languages: index.html (default) and the other language's file. */
export function pageFiles(defaultLang: Lang, render: (lang: Lang) => string): [string, string][] {
  const other: Lang = defaultLang === 'en' ? 'zh-CN' : 'en';
  return [['index.html', render(defaultLang)], [LANG_FILE[other], render(other)]];
}
