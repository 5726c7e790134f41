// Runners of `fleet site` and `fleet links`: argument handling and messages only.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { requireFleet } from '../model/require.ts';
import { withQuota } from '../model/quota.ts';
import { readUsageMonths } from '../status/store.ts';
import { rootPath, EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { userState } from '../model/access.ts';
import { DEMO_WARNING, loadMasterSecret } from '../secrets/index.ts';
import { buildSite, userLinks } from './build.ts';
import { readStatus, type StatusView } from './status-adapter.ts';
import { checkOutputDir } from '../files/output-dir.ts';

export async function runSite(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  let fleet = requireFleet(ctx);
  const secret = loadMasterSecret(ctx.env, { purpose: 'preview' });
  if (secret.demo) ctx.io.err(DEMO_WARNING);
  const outDir = checkOutputDir(resolve(ctx.root, (args.options.out as string | undefined) ?? 'build/site'), ctx.root);
  let status: StatusView | undefined;
  if (args.options.status) {
    const dir = rootPath(ctx, args.options.status as string);
    // The reader treats missing files as an empty store; a missing directory is a typo.
    if (!existsSync(dir)) {
      throw new OperationError(`cannot read the status store: no directory ${dir} — fetch it from the status branch first with \`npm run fleet -- status pull --out ${args.options.status as string}\` (once the probe workflow has run), or build without --status`);
    }
    try {
      status = readStatus(dir, fleet);
      // What users moved this period (#18): pages and headers show it, and who is over quota.
      fleet = withQuota(fleet, readUsageMonths(dir), ctx.now);
    } catch (e) { throw new OperationError(`cannot read the status store: ${(e as Error).message}`); }
  }
  const baseUrl = args.options['base-url'] as string | undefined;
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(baseUrl)) throw new UsageError(`--base-url must be an http(s) URL, not "${baseUrl}"`);
  const result = await buildSite(fleet, secret, ctx.now, { outDir, status, baseUrl, warn: (m) => ctx.io.err(m) });
  ctx.io.out(`site: ${result.links.length} active users, ${result.folders} token folders, ${result.files} files, ` +
    `${(result.bytes / 1e6).toFixed(1)} MB in ${result.dir}${result.demo ? ' (DEMO build: never publish)' : ''}`);
  return EXIT.ok;
}

export async function runLinks(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const fleet = requireFleet(ctx);
  const secret = loadMasterSecret(ctx.env, { purpose: 'publish' });
  const only = args.options.user as string | undefined;
  if (only !== undefined) {
    const user = fleet.users.find((u) => u.name === only);
    if (!user) throw new OperationError(`no user "${only}" in users/`);
    const state = userState(user, ctx.now);
    if (state !== 'active') throw new OperationError(`user "${only}" is ${state}: their page only says so, there is no link to send`);
  }
  const links = userLinks(fleet, secret, ctx.now).filter((l) => only === undefined || l.user === only);
  if (args.options.format === 'json') ctx.io.out(JSON.stringify(links, null, 2));
  else {
    const width = Math.max(4, ...links.map((l) => l.user.length));
    ctx.io.out([`${'USER'.padEnd(width)}  PAGE`, ...links.map((l) => `${l.user.padEnd(width)}  ${l.url}`)].join('\n'));
  }
  return EXIT.ok;
}
