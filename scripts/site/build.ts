// `fleet site`: the static site users see. Per active user a folder named by their
// subscription token with their page and profile files; an inactive user's folder holds
// only a page that says so; the root has nothing that names or lists a user.
import { availableParallelism } from 'node:os';
import { directoryIndex } from '../model/site-host.ts';
import { activeUsers } from '../model/access.ts';
import type { Fleet } from '../model/types.ts';
import { OperationError } from '../core/command.ts';
import { checkLimits, hostLimits } from '../model/site-limits.ts';
import { maskBatch, openCredentialStore, type MasterSecret } from '../secrets/index.ts';
import { graceRev } from '../model/access.ts';
import { endpointsOf, userIdentity, type Identity } from '../render/endpoint.ts';
import { checkSelfSigned } from '../render/server/tls.ts';
import { DEMO_MARKER } from './demo.ts';
import { headersFile, type TokenFolder } from './headers.ts';
import { SiteWriter } from './output.ts';
import { baseOf, landingPages, notFoundPage } from './pages.ts';
import { statusPages } from './status-page.ts';
import type { StatusView } from './status-adapter.ts';
import { loadTemplates } from './templates.ts';
import { fleetData, writeUserFolder, type FolderContext, type FolderResult } from './user-folder.ts';
import { startWorkers, type WorkerPool } from './workers.ts';

export interface SiteOptions {
  outDir: string;
  status?: StatusView;
  /** Overrides site.base_url (local previews serve from http://127.0.0.1:PORT). */
  baseUrl?: string;
  /** Worker threads for user folders; default 2 (if the machine has them) from 200 users up. */
  threads?: number;
  warn(message: string): void;
}

export interface UserLink { user: string; url: string }
export interface SiteResult { dir: string; demo: boolean; links: UserLink[]; folders: number; files: number; bytes: number }

/** Below this, starting threads costs more than it saves. */
const PARALLEL_FROM = 200;

export async function buildSite(fleet: Fleet, secret: MasterSecret, now: Date, opts: SiteOptions): Promise<SiteResult> {
  const out = new SiteWriter(opts.outDir);
  const threads = opts.threads ?? (fleet.users.length >= PARALLEL_FROM ? Math.min(2, availableParallelism()) : 1);
  const base = baseOf(fleet, opts.baseUrl);
  let pool: WorkerPool | undefined;
  try {
    // Started first: the workers load their code while this thread checks and masks.
    if (threads > 1) {
      pool = startWorkers({
        fleet: fleetData(fleet), secret: new Uint8Array(secret.secret), demo: secret.demo, now: now.toISOString(),
        base, status: opts.status, dir: out.dir,
      }, threads);
    }
    const c: FolderContext = {
      fleet, tpl: loadTemplates(), demo: secret.demo, now, base, status: opts.status,
      store: openCredentialStore(secret, fleet.settings.epoch),
    };
    // The rule `fleet render` applies: a page must not pin a certificate the node will not serve.
    for (const node of fleet.nodes) {
      if (node.enabled && node.tls?.mode === 'self-signed' && node.tls.certificate) checkSelfSigned(fleet, node, c.store.node(node.name, node.rev));
    }
    let results: FolderResult[];
    if (pool) {
      const writing = pool.write();
      // In Actions this thread masks every value the workers hand out while they write:
      // nothing a worker writes is a log, and what they report (errors included) is
      // printed by this thread, which handles no message before the masks are out.
      try {
        if (secret.mask) deriveForWorkers(c);
      } catch (e) {
        writing.catch(() => {}); // reported by the throw below
        throw e;
      }
      const r = await writing;
      await pool.stop();
      results = r.results;
      out.files += r.files;
      out.bytes += r.bytes;
    } else {
      results = [];
      for (const user of fleet.users) {
        results.push(await writeUserFolder(c, user, out));
        await out.settle(64);
      }
    }
    const folders: TokenFolder[] = results.flatMap((r, i) => r.tokens.map((token) => ({ token, user: fleet.users[i] })));
    writeRoot(c, out, folders, opts.warn);
    await out.settle();
    // Counted as written (grace copies in full, as upload-pages-artifact packs them); a site
    // its host would refuse never replaces the one already built.
    const limits = checkLimits(hostLimits(fleet.settings.site), { files: out.files, bytes: out.bytes });
    for (const l of limits.filter((x) => x.level === 'warning')) opts.warn(`warning: ${l.message} — ${l.hint}`);
    const over = limits.filter((x) => x.level === 'error');
    if (over.length) throw new OperationError(over.map((l) => `${l.message} — ${l.hint}`).join('; '));
    out.commit();
    const links = results.flatMap((r) => (r.url ? [{ user: r.user, url: r.url }] : []));
    return { dir: out.final, demo: secret.demo, links, folders: folders.length, files: out.files, bytes: out.bytes };
  } catch (e) {
    await pool?.stop(); // no worker may write after the temp dir is removed
    await out.settle().catch(() => {}); // nor a queued write of this thread
    out.abort();
    throw e;
  }
}

/**
 * Workers derive credentials in their own stores, which do not mask: a mask command from a
 * worker thread could reach the log after a value it masks. So in Actions the main thread
 * derives (and so masks) every credential the workers will hand out before it prints
 * anything they report: the nodes' keys and what each user's endpoints take from the user's identity. Which
 * identity keys the endpoints ask for depends on the nodes' inbounds only, so one user's
 * endpoints name them (building everyone's took 1.65 s for 10,000 users; this takes 0.4 s).
 */
function deriveForWorkers(c: FolderContext): void {
  maskBatch(() => {
    const first = c.fleet.users[0];
    if (first === undefined) return;
    const methods = new Set<string>();
    const who = userIdentity(c.store, first.name, first.rev);
    const recording: Identity = { ...who, ss2022Key: (method) => { methods.add(method); return who.ss2022Key(method); } };
    for (const node of c.fleet.nodes) endpointsOf(node, c.store, recording);
    for (const user of c.fleet.users) {
      const creds = c.store.user(user.name, user.rev);
      for (const method of methods) creds.ss2022Key(method);
      const grace = graceRev(user, c.fleet, c.now);
      if (grace !== undefined) c.store.user(user.name, grace);
    }
  });
}

function writeRoot(c: FolderContext, out: SiteWriter, folders: TokenFolder[], warn: (m: string) => void): void {
  out.writeAll([''], landingPages(c));
  out.writeAll(['status'], statusPages(c, c.status));
  out.write('404.html', notFoundPage(c));
  // A server with directory listing on (nginx autoindex, python -m http.server) would
  // otherwise list every token folder at /s/.
  out.write('s/index.html', notFoundPage(c));
  out.write('robots.txt', 'User-agent: *\nDisallow: /\n');
  out.write('assets/site.css', c.tpl.css);
  out.write('assets/copy.js', c.tpl.copyJs);
  const counted = c.fleet.settings.singbox.build === 'stats' ? c.fleet.quota : undefined;
  const headers = headersFile(c.fleet.settings, folders, warn, counted);
  if (headers) out.write('_headers', headers);
  if (c.demo) out.write(DEMO_MARKER, 'Built with the public demo secret (FLEET_SECRET unset). Never publish this site.\n');
}

/** Page links of active users, as the operator sends them (`fleet links`). */
export function userLinks(fleet: Fleet, secret: MasterSecret, now: Date, baseUrl?: string): UserLink[] {
  const store = openCredentialStore(secret, fleet.settings.epoch);
  const base = baseOf(fleet, baseUrl);
  return activeUsers(fleet, now).map((u) => ({ user: u.name, url: `${base}/s/${store.user(u.name, u.rev).token}/${directoryIndex(fleet.settings.site)}` }));
}
