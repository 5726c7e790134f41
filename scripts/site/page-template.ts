// User pages from templates, as profiles are (render/client/template.ts): users whose pages
// have the same shape (language, quota line, node list with health and latency) get pages
// that differ only in their Personal texts. So the page of a shape is rendered once with
// markers in place of those texts, cut at the markers, and filled per user: string
// joining instead of a Handlebars render, and the literal text encoded as UTF-8 once.
//
// Markers reach the page only through Personal, and pageHtml takes nothing else of the
// user, so a template cannot carry one user's data into another's page. A template is
// trusted only after it reproduced, byte for byte, the direct render of the user it was
// built with; a shape seen once is rendered the direct way (core/template-cache.ts).
import Handlebars from 'handlebars';
import { TemplateCache } from '../core/template-cache.ts';
import type { QrImageUrl } from './qr.ts';
import type { Lang } from './templates.ts';
import { pageHtml, personalOf, shapeOf, type PageShape, type Personal } from './user-page.ts';
import type { PageCommon } from './pages.ts';
import type { RankedNode } from './health-order.ts';
import type { User } from '../model/types.ts';

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKER = /\uE000(\d+)\uE001/g;

/** Each Personal text in a fixed order: its index is its marker's id. */
function textsOf(p: Personal): string[] {
  return [p.name, p.expires.en, p.expires['zh-CN'], p.quota.en, p.quota['zh-CN'], ...p.links, ...p.urls, ...p.qr];
}

/** The Personal whose every text is a marker (ids in textsOf order). */
function markersLike(p: Personal): Personal {
  let id = 0;
  const m = () => `${OPEN}${id++}${CLOSE}`;
  const perLang = (): Record<Lang, string> => { const en = m(); return { en, 'zh-CN': m() }; };
  return { name: m(), expires: perLang(), quota: perLang(), links: p.links.map(m), urls: p.urls.map(m), qr: p.qr.map(() => m() as QrImageUrl) };
}

interface PageTemplate {
  /** Literal text between holes, as UTF-8. */
  lits: Buffer[];
  litText: string[];
  /** Per hole: the index of its text, and whether the page has it escaped (else raw markup). */
  holes: { text: number; escaped: boolean }[];
}

/**
 * Cuts the marked page at its markers. A hole's text is escaped as Handlebars escapes
 * `{{value}}`, unless the marker sat in a `{{{raw}}}` place, which only the QR images' data: URLs do.
 */
function cut(marked: string, rawIds: ReadonlySet<number>): PageTemplate {
  const litText: string[] = [];
  const holes: PageTemplate['holes'] = [];
  let last = 0;
  for (const m of marked.matchAll(MARKER)) {
    litText.push(marked.slice(last, m.index));
    const text = Number(m[1]);
    holes.push({ text, escaped: !rawIds.has(text) });
    last = m.index! + m[0].length;
  }
  litText.push(marked.slice(last));
  return { litText, lits: litText.map((l) => Buffer.from(l, 'utf8')), holes };
}

function holeTexts(t: PageTemplate, texts: string[]): string[] {
  return t.holes.map((h) => (h.escaped ? Handlebars.escapeExpression(texts[h.text]) : texts[h.text]));
}

function fillText(t: PageTemplate, texts: string[]): string {
  const holes = holeTexts(t, texts);
  let out = t.litText[0];
  for (let i = 0; i < holes.length; i++) out += holes[i] + t.litText[i + 1];
  return out;
}

function fillBytes(t: PageTemplate, texts: string[]): Buffer {
  const holes = holeTexts(t, texts).map((h) => Buffer.from(h, 'utf8'));
  return Buffer.concat(t.lits.flatMap((lit, i) => (i < holes.length ? [lit, holes[i]] : [lit])));
}

/** One thread's templates for one build (keyed by the build's PageCommon). */
export class PageCache {
  readonly #templates = new TemplateCache<PageTemplate>();

  constructor(readonly c: PageCommon) {}

  /** The page: bytes when filled from a template, the direct render's text otherwise. */
  page(shape: PageShape, p: Personal): Buffer | string {
    const key = shapeKey(shape);
    const template = this.#templates.get(key);
    if (template) return fillBytes(template, textsOf(p));
    const direct = pageHtml(this.c, shape, p);
    if (template === null || !this.#templates.worthBuilding(key)) return direct;
    const marked = markersLike(p);
    const count = textsOf(marked).length;
    const qrIds = new Set(marked.qr.map((_, i) => count - marked.qr.length + i));
    const built = cut(pageHtml(this.c, shape, marked), qrIds);
    // Trusted only if it gives this user's page exactly; otherwise this shape stays direct.
    this.#templates.set(key, fillText(built, textsOf(p)) === direct ? built : null);
    return direct;
  }
}

function shapeKey(s: PageShape): string {
  const nodes = s.ranked.map((r) => `${r.node.name}\u0000${r.health}\u0000${r.latency_ms ?? ''}`).join('\u0001');
  return `${s.def}\u0002${s.hasQuota}\u0002${s.quotaLevel}\u0002${nodes}`;
}

const caches = new WeakMap<PageCommon, PageCache>();

/**
 * index.html of an active user's folder, as bytes when it came from a template: the same
 * bytes as userPages' text (test/site/page-template.test.ts).
 */
export function userPageFile(c: PageCommon & { now: Date }, user: User, folderUrl: string, ranked: RankedNode[]): [string, Buffer | string] {
  let cache = caches.get(c);
  if (!cache) caches.set(c, (cache = new PageCache(c)));
  return ['index.html', cache.page(shapeOf(c, user, ranked), personalOf(c, user, folderUrl))];
}
