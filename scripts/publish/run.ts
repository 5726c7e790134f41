// `fleet publish`: the built site to the object store of `site.host: s3`. The other hosts
// get the folder from the pages workflow; this one gets only what changed, object by object.
import { resolve } from 'node:path';
import { EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { siteProblems } from '../github/publish-guard.ts';
import { requireFleet } from '../model/require.ts';
import { loadMasterSecret, maskBatch } from '../secrets/index.ts';
import { mismatchText, siteMismatch } from './fresh.ts';
import { siteObjects } from './objects.ts';
import { planPublish, publishSite, PublishStopped } from './publish.ts';
import { hideTokens, s3Store, storeErrorText, type Store } from './store.ts';

export async function runPublish(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const fleet = requireFleet(ctx, { quiet: true });
  const site = fleet.settings.site;
  if (site.host !== 's3' || !site.s3) {
    throw new OperationError(`site.host is ${site.host}: \`fleet publish\` is for \`site.host: s3\` — the pages workflow publishes this site (.github/workflows/pages.yml)`);
  }
  const dirArg = (args.options.site as string | undefined) ?? 'build/site';
  const dir = resolve(ctx.root, dirArg);
  // Paths under the site name token folders: every message about them puts s/<token> in
  // their place (a publish log is read by more people than the users' links are sent to).
  const problems = siteProblems(dir, site.host);
  if (problems.length) throw new OperationError(`not published: ${hideTokens(problems.join('; '))}`);
  const secret = loadMasterSecret(ctx.env, { purpose: 'publish' });
  let objects: ReturnType<typeof siteObjects>;
  try { objects = siteObjects(dir, site.title ?? fleet.settings.name); }
  catch (e) { throw new OperationError(`not published: cannot read the built site: ${storeErrorText(e)} — build it again with \`npm run fleet -- site\``); }
  // The store is made to match the site: one built from another state of the fleet would
  // bring back revoked users' folders or delete new users'.
  const mismatch = mismatchText(maskBatch(() => siteMismatch(objects.map((o) => o.key), fleet, secret, ctx.now)));
  if (mismatch) {
    throw new OperationError(`not published: ${dirArg} was built from another state of the fleet: ${mismatch} — `
      + `build it again with \`npm run fleet -- site --out ${shellArg(dirArg)}\`, then publish that`);
  }
  let store: Store;
  try { store = s3Store(site.s3, ctx.env); }
  catch (e) { throw new OperationError((e as Error).message); }
  const where = `s3 bucket ${site.s3.bucket}${site.s3.prefix ? `/${site.s3.prefix}` : ''} at ${site.s3.endpoint}`;
  try {
    const opts = { now: ctx.now, full: args.options.full === true, progress: (line: string) => ctx.io.err(`publish: ${line}`) };
    if (args.options['dry-run']) {
      const plan = await planPublish(store, objects, secret.secret, opts);
      ctx.io.out(`publish (dry run) to ${where}: ${plan.put.length} to upload, ${plan.unchanged} unchanged, ${plan.remove.length} to delete (known from the ${plan.source})`);
      return EXIT.ok;
    }
    const r = await publishSite(store, objects, secret.secret, opts);
    ctx.io.out(`published to ${where}: ${r.put.length} uploaded (${(r.bytes / 1e6).toFixed(2)} MB), ${r.unchanged} unchanged, ` +
      `${r.remove.length} deleted — ${r.requests} requests in ${(r.ms / 1000).toFixed(1)} s`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof PublishStopped) {
      throw new OperationError(`publish to ${where} ${e.what}: ${storeErrorText(e.cause)} — run \`npm run fleet -- publish --site ${shellArg(dirArg)}\` again: it continues where this one stopped`);
    }
    throw new OperationError(`publish to ${where} failed before anything changed: ${storeErrorText(e)}`);
  } finally {
    store.close();
  }
}

/** A path as a shell word, so a printed command works as printed. */
function shellArg(path: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
