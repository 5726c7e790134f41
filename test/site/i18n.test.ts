// The language tables and the templates agree: the same keys in every language, every
// `t.…` a template names exists, and a template asked for a string that is missing fails
// the build instead of rendering an empty line.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplates, LANGS, SITE_DIR } from '../../scripts/site/templates.ts';
import { rankNodes } from '../../scripts/site/health-order.ts';
import { userPages } from '../../scripts/site/user-page.ts';
import { build, load, makeFleet, NOW, removeAll, SECRET_A, tempDir } from './helpers.ts';

/** Every leaf key path of a table, e.g. "platforms.ios.name". */
function keys(table: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(table).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`])).sort();
}

describe('site strings', () => {
  const tables = loadTemplates().strings;

  it('have the same keys in every language, none empty', () => {
    const en = keys(tables.en);
    for (const lang of LANGS) {
      expect(keys(tables[lang]), lang).toEqual(en);
      for (const k of keys(tables[lang])) expect(String(k.split('.').reduce<any>((o, p) => o[p], tables[lang])).trim(), `${lang} ${k}`).not.toBe('');
    }
  });

  it('hold every string a template names', () => {
    const dir = join(SITE_DIR, 'templates');
    for (const file of readdirSync(dir)) {
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\{\{(?:\.\.\/)*t\.([A-Za-z0-9_.]+)\}\}/g)) {
        for (const lang of LANGS) expect(m[1]!.split('.').reduce<any>((o, p) => o?.[p], tables[lang]), `${file}: t.${m[1]} in ${lang}`).toBeDefined();
      }
    }
  });

  it('a missing string fails the build with its name, not an empty line', async () => {
    const site = mkdtempSync(join(tmpdir(), 'boxfleet-i18n-'));
    const root = makeFleet(tempDir('i18n-fleet'));
    const out = join(tempDir('i18n-out'), 'site');
    try {
      cpSync(SITE_DIR, site, { recursive: true });
      const zh = JSON.parse(readFileSync(join(site, 'i18n/zh-CN.json'), 'utf8'));
      delete zh.scanTitle;
      writeFileSync(join(site, 'i18n/zh-CN.json'), JSON.stringify(zh));
      const fleet = load(root);
      const user = fleet.users.find((u) => u.enabled)!;
      const page = (tpl: ReturnType<typeof loadTemplates>) => userPages({ fleet, tpl, demo: false, now: NOW }, user, 'https://sub.example.com/s/t/', rankNodes(fleet, user));
      expect(page(loadTemplates()).map(([f]) => f)).toEqual(['index.html']);
      expect(() => page(loadTemplates(site))).toThrow(/"scanTitle" not defined/);
      // The real site builds with every string in place.
      expect((await build(root, out, { secret: SECRET_A })).files).toBeGreaterThan(0);
    } finally {
      rmSync(site, { recursive: true, force: true });
      removeAll(root, join(out, '..'));
    }
  });
});
