// User pages filled from a template (site/page-template.ts) must be exactly the direct
// render's bytes for every user, with and without probe results; texts that need escaping
// are escaped as Handlebars escapes them; and a template is not used where it would not
// reproduce the direct render.
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../scripts/model/types.ts';
import { rankNodes } from '../../scripts/site/health-order.ts';
import { PageCache, userPageFile } from '../../scripts/site/page-template.ts';
import { readStatus } from '../../scripts/site/status-adapter.ts';
import type { QrImageUrl } from '../../scripts/site/qr.ts';
import { loadTemplates } from '../../scripts/site/templates.ts';
import { pageHtml, personalOf, shapeOf, userPages, type Personal } from '../../scripts/site/user-page.ts';
import { load, makeFleet, NOW, removeAll, STATUS_FIXTURE, tempDir, type TestUser } from './helpers.ts';

// Three users of each shape: the first is rendered directly, the second builds the template,
// the third (and every later round) is filled from it.
const USERS: TestUser[] = ['a', 'b', 'c'].flatMap((x) => [
  { name: `ash-${x}`, enabled: true, rev: 1, region: 'asia-east', quota_gb: 50, expires: '2027-06-30' },
  { name: `birch-${x}`, enabled: true, rev: 1, language: 'zh-CN', region: 'cn' },
  { name: `cedar-${x}`, enabled: true, rev: 3 },
]);

function withFleet(settings: Record<string, unknown>, f: (fleet: Fleet) => void): void {
  const root = makeFleet(tempDir('page-template'), { settings, users: USERS });
  try { f(load(root)); } finally { removeAll(root); }
}

describe('page templates', () => {
  it('every page is the direct render byte for byte, and from the third user of a shape on, filled from its template', () => {
    withFleet({}, (fleet) => {
      for (const status of [undefined, readStatus(STATUS_FIXTURE, fleet)]) {
        const c = { fleet, tpl: loadTemplates(), demo: false, now: NOW };
        for (let round = 0; round < 2; round++) {
          for (const user of fleet.users) {
            const ranked = rankNodes(fleet, user, status);
            const folder = `https://sub.example.com/s/token-of-${user.name}/`;
            const [file, page] = userPageFile(c, user, folder, ranked);
            const direct = userPages(c, user, folder, ranked)[0]![1];
            expect(file).toBe('index.html');
            expect(Buffer.from(page).equals(Buffer.from(direct, 'utf8')), `${user.name} round ${round}`).toBe(true);
            expect(direct).toContain(`>${user.name}<`);
            const third = round > 0 || user.name.endsWith('-c');
            expect(Buffer.isBuffer(page), `${user.name} round ${round}: from a template`).toBe(third);
          }
        }
      }
    });
  });

  it('texts that need escaping are escaped in every place, the QR markup is put in as it is', () => {
    withFleet({}, (fleet) => {
      const c = { fleet, tpl: loadTemplates(), demo: false, now: NOW };
      const user = fleet.users[0]!;
      const shape = shapeOf(c, user, rankNodes(fleet, user));
      const real = personalOf(c, user, 'https://sub.example.com/s/t/');
      const odd = (i: number): Personal => ({
        name: `<b>"${i}"</b> & 'x' = \`y\``,
        expires: { en: `2027-01-0${i} & <soon>`, 'zh-CN': `“${i}” 例` },
        quota: { en: `${i} GB <of> 50`, 'zh-CN': `${i} GB 'z'` },
        links: real.links.map((l) => `${l}&x="${i}"`),
        urls: real.urls.map((u) => `${u}?<${i}>`),
        qr: real.qr.map((_, k) => `data:image/png;base64,AB+/${i}${k}==` as QrImageUrl),
      });
      const cache = new PageCache(c);
      for (let i = 1; i <= 4; i++) {
        const page = cache.page(shape, odd(i));
        expect(Buffer.from(page).equals(Buffer.from(pageHtml(c, shape, odd(i)), 'utf8')), `user ${i}`).toBe(true);
        if (i >= 3) expect(Buffer.isBuffer(page)).toBe(true);
      }
      const last = pageHtml(c, shape, odd(4));
      expect(last).toContain('&lt;b&gt;&quot;4&quot;&lt;/b&gt; &amp; &#x27;x&#x27; &#x3D; &#x60;y&#x60;');
      expect(last).toContain('src="data:image/png;base64,AB+/42=="');
    });
  });

  it('a fleet text that looks like a marker makes the shape render directly, never from a template', () => {
    withFleet({ site: { title: 'Fleet \uE0000\uE001' } }, (fleet) => {
      const c = { fleet, tpl: loadTemplates(), demo: false, now: NOW };
      for (let round = 0; round < 3; round++) {
        for (const user of fleet.users) {
          const ranked = rankNodes(fleet, user);
          const folder = `https://sub.example.com/s/token-of-${user.name}/`;
          const page = userPageFile(c, user, folder, ranked)[1];
          expect(typeof page, user.name).toBe('string');
          expect(page).toBe(userPages(c, user, folder, ranked)[0]![1]);
        }
      }
    });
  });
});
