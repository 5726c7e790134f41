// `fleet publish-guard`: the last check before a site leaves the runner. A demo build
// (public demo secret: every token in it is public knowledge) or a build without
// robots.txt (user paths could be indexed) must never be published, whatever went wrong
// earlier in the workflow. Also tells the workflow which host fleet.yaml publishes to.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireFleet } from '../model/require.ts';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { isDemoBuild } from '../site/index.ts';
import { addSummary, setOutput } from './summary.ts';

/** Pages refuses symlinks in its artifact; so does a careful operator anywhere else. */
function firstSymlink(dir: string): string | undefined {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return p;
    if (st.isDirectory()) { const hit = firstSymlink(p); if (hit) return hit; }
  }
  return undefined;
}

export function siteProblems(dir: string, host: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [`${dir} is not a built site (run \`npm run fleet -- site\` first)`];
  const problems: string[] = [];
  if (isDemoBuild(dir)) problems.push(`${dir} is a demo build (made without a real FLEET_SECRET): its links are public knowledge`);
  if (!existsSync(join(dir, 'robots.txt'))) problems.push(`${dir} has no robots.txt: user pages could end up in search engines`);
  if ((host === 'cloudflare' || host === 'netlify') && !existsSync(join(dir, '_headers'))) problems.push(`${dir} has no _headers file, but site.host is ${host}`);
  const link = firstSymlink(dir);
  if (link) problems.push(`${link} is a symbolic link: Pages refuses them`);
  return problems;
}

export async function runPublishGuard(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const site = args.options.site as string | undefined;
  if (!site) throw new UsageError('--site DIR is required (the output of `fleet site`)');
  const host = requireFleet(ctx, { quiet: true }).settings.site.host;
  const problems = siteProblems(resolve(ctx.root, site), host);
  setOutput(ctx, 'host', host);
  if (problems.length) {
    for (const p of problems) ctx.io.err(`publish-guard: ${p}`);
    addSummary(ctx, ['### Publish refused', '', ...problems.map((p) => `- ${p}`), ''].join('\n'));
    return EXIT.failed;
  }
  ctx.io.out(`publish-guard: ${site} may be published to ${host}`);
  addSummary(ctx, `### Publish guard\n\n\`${site}\` passed: no demo marker, robots.txt present; host ${host}.\n`);
  return EXIT.ok;
}
