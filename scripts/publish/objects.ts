// The built site as the objects an S3-compatible store gets: one per file, keyed by its
// path under the site folder, with the content type, caching and download name a web host
// would have sent. An object store sends nothing it was not told at upload time.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { disposition } from '../site/headers.ts';

export interface SiteObject {
  /** Path under the site folder, `/`-separated, without the store's prefix. */
  key: string;
  file: string;
  size: number;
  /** Hex MD5 of the content: what a store returns as the ETag of a single-part upload. */
  md5: string;
  contentType: string;
  cacheControl: string;
  contentDisposition?: string;
  /**
   * `md5:headers`: the content and what the store sends with it, so that a new title (the
   * download name) or a new caching rule uploads the object again even where its bytes stay.
   */
  fingerprint: string;
}

/** The fingerprint of an object: its MD5 and 16 hex digits of its headers' SHA-256. */
export function fingerprintOf(o: Pick<SiteObject, 'md5' | 'contentType' | 'cacheControl' | 'contentDisposition'>): string {
  const headers = createHash('sha256').update([o.contentType, o.cacheControl, o.contentDisposition ?? ''].join('\n')).digest('hex').slice(0, 16);
  return `${o.md5}:${headers}`;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml; charset=utf-8',
};

/**
 * `_headers` is for Cloudflare and Netlify only and lists every token folder; dot files
 * (the demo marker) are build bookkeeping. Neither is ever uploaded.
 */
export function isPublishable(key: string): boolean {
  return key !== '_headers' && !key.split('/').some((part) => part.startsWith('.'));
}

/**
 * Token folders are never cached (a revoked user's profile must not live on in a CDN,
 * as `_headers` says for Cloudflare); the rest may be cached for five minutes.
 */
function cacheControlOf(key: string): string {
  return key.startsWith('s/') ? 'no-store' : 'public, max-age=300';
}

const PROFILE_EXT: Record<string, string> = { 'sing-box.json': 'json', 'mihomo.yaml': 'yaml', 'links.txt': 'txt' };

export function siteObjects(dir: string, title: string): SiteObject[] {
  const out: SiteObject[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const key = rel ? `${rel}/${name}` : name;
      const file = join(dir, key);
      const st = statSync(file);
      if (st.isDirectory()) { walk(key); continue; }
      if (!isPublishable(key)) continue;
      const body = readFileSync(file);
      const base = key.slice(key.lastIndexOf('/') + 1);
      const o = {
        key, file, size: st.size,
        md5: createHash('md5').update(body).digest('hex'),
        contentType: TYPES[extname(name)] ?? 'application/octet-stream',
        cacheControl: cacheControlOf(key),
        // Apps name the imported profile after the download's file name.
        contentDisposition: key.startsWith('s/') && PROFILE_EXT[base] ? disposition(title, PROFILE_EXT[base]) : undefined,
      };
      out.push({ ...o, fingerprint: fingerprintOf(o) });
    }
  };
  walk('');
  return out;
}

/**
 * Upload order, for make-before-break: what pages refer to (assets, then token folders)
 * goes up before the pages that link to it (status, then the root pages).
 */
export function uploadRank(key: string): number {
  if (key.startsWith('assets/')) return 0;
  if (key.startsWith('s/')) return 1;
  if (key.startsWith('status/')) return 2;
  return 3;
}
