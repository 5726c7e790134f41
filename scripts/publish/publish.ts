// Publishing a built site to an object store, make-before-break and resumable:
//   1. learn what the store holds: the sealed state (one GET), or a listing when there is
//      no state this secret opens, when the last listing is a day old (another publish at
//      the same time, or a hand in the bucket, may have made the state wrong: a revoked
//      user's folder it does not know of would stay), or with `--full`;
//   2. upload what differs, what pages link to before the pages (objects.ts uploadRank);
//   3. only when every upload landed, delete what the site no longer has (revoked and
//      removed users' folders, grace-period copies past their time);
//   4. record the new state.
// Before the first upload the state is widened with every key about to be written, so a
// publish that stops half-way leaves no object behind that the next run does not know of:
// it puts again what is still wanted and deletes what is not.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openState, sealState, STATE_KEY, type PublishState } from './state.ts';
import type { Store } from './store.ts';
import { uploadRank, type SiteObject } from './objects.ts';

export interface PublishPlan {
  put: SiteObject[];
  unchanged: number;
  remove: string[];
  /** Where the store's contents were learnt from. */
  source: 'state' | 'listing';
  known: Record<string, string>;
  /** When the bucket was last listed (now, when this plan listed it). */
  listedAt: string;
}

export interface PublishOptions {
  now: Date;
  /** List the bucket even though the state is fresh. */
  full?: boolean;
  progress?: (line: string) => void;
}

/** How long a state is trusted without listing the bucket: a stray object lives at most this long. */
export const RELIST_MS = 24 * 3600 * 1000;

export interface PublishReport extends Omit<PublishPlan, 'known'> { bytes: number; requests: number; ms: number }

/** Uploads at once: enough to fill a link to a CDN's edge, few enough for a small runner. */
const PARALLEL = 8;

export async function planPublish(store: Store, objects: SiteObject[], secret: Buffer, opts: PublishOptions): Promise<PublishPlan> {
  const sealed = await store.get(STATE_KEY);
  const state = sealed ? openState(sealed, secret) : undefined;
  // A listing from the future (a runner whose clock was ahead) is no listing: list again.
  const age = state ? opts.now.getTime() - Date.parse(state.listed_at) : NaN;
  const fresh = state && !opts.full && age >= 0 && age < RELIST_MS;
  let known: Record<string, string>;
  if (fresh) known = state.objects;
  else {
    // The bucket as it is; where the state knew an object with these bytes, its headers too.
    known = {};
    for (const [k, md5] of await store.list()) {
      if (k === STATE_KEY) continue;
      const was = state?.objects[k];
      known[k] = md5 && was?.startsWith(`${md5}:`) ? was : md5;
    }
  }
  const local = new Set(objects.map((o) => o.key));
  // Only bytes and headers together count as the same. Where a listing gave only the MD5
  // (no state, or one that never knew the object) the headers are unknown: another tool may
  // have put it without `no-store`, which would let a CDN keep a revoked profile. Put again.
  const same = (o: SiteObject): boolean => known[o.key] === o.fingerprint;
  const put = objects.filter((o) => !same(o))
    .sort((a, b) => uploadRank(a.key) - uploadRank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const remove = Object.keys(known).filter((k) => !local.has(k)).sort();
  const listedAt = fresh ? state.listed_at : opts.now.toISOString();
  return { put, unchanged: objects.length - put.length, remove, source: fresh ? 'state' : 'listing', known, listedAt };
}

export async function publishSite(store: Store, objects: SiteObject[], secret: Buffer, opts: PublishOptions): Promise<PublishReport> {
  const t0 = performance.now();
  const progress = opts.progress ?? (() => {});
  const plan = await planPublish(store, objects, secret, opts);
  const final: PublishState = { version: 2, listed_at: plan.listedAt, objects: Object.fromEntries(objects.map((o) => [o.key, o.fingerprint])) };
  const changes = plan.put.length + plan.remove.length;
  if (plan.put.length > 0) {
    const pending: PublishState = { version: 2, listed_at: plan.listedAt, objects: { ...plan.known, ...Object.fromEntries(plan.put.map((o) => [o.key, ''])) } };
    await store.put(stateObject(pending, secret));
  }
  let bytes = 0;
  let done = 0;
  for (const rank of [...new Set(plan.put.map((o) => uploadRank(o.key)))]) {
    const batch = plan.put.filter((o) => uploadRank(o.key) === rank);
    await inParallel(batch, PARALLEL, async (o) => {
      const body = readFileSync(o.file);
      await store.put({ key: o.key, body, md5: o.md5, contentType: o.contentType, cacheControl: o.cacheControl, contentDisposition: o.contentDisposition });
      bytes += body.length;
      done++;
    }).catch((e: unknown) => {
      throw new PublishStopped(`stopped after ${done} of ${plan.put.length} uploads; nothing was deleted`, e);
    });
  }
  if (plan.put.length > 0) progress(`uploaded ${plan.put.length} objects (${(bytes / 1e6).toFixed(2)} MB)`);
  if (plan.remove.length > 0) {
    try { await store.remove(plan.remove); }
    catch (e) { throw new PublishStopped(`every upload landed, but deleting ${plan.remove.length} old objects stopped`, e); }
    progress(`deleted ${plan.remove.length} objects`);
  }
  if (changes > 0 || plan.source === 'listing') {
    // Everything landed; a state that could not be written only costs the next run a listing.
    try { await store.put(stateObject(final, secret)); }
    catch (e) { throw new PublishStopped(`every upload and delete landed, but recording the state stopped (the next publish uploads this run's objects again)`, e); }
  }
  const { known: _, ...rest } = plan;
  return { ...rest, bytes, requests: store.requests, ms: performance.now() - t0 };
}

/** A publish that stopped on the store's error; running it again continues from there. */
export class PublishStopped extends Error {
  constructor(public readonly what: string, public readonly cause: unknown) { super(what); this.name = 'PublishStopped'; }
}

function stateObject(state: PublishState, secret: Buffer) {
  const body = sealState(state, secret);
  return {
    key: STATE_KEY, body, md5: md5Of(body), contentType: 'application/octet-stream', cacheControl: 'no-store',
  };
}

const md5Of = (body: Buffer): string => createHash('md5').update(body).digest('hex');

/** Runs `fn` on every item, at most `limit` at a time; the first failure stops new starts. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try { await fn(item); } catch (e) { failed ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
