// `fleet render`: node configs and user profiles into the build directory.
import { resolve } from 'node:path';
import { activeUsers } from '../model/access.ts';
import type { Fleet, User } from '../model/types.ts';
import { listOption } from '../core/args.ts';
import { requireFleet } from '../model/require.ts';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { openCredentialStore, type CredentialStore, DEMO_WARNING, loadMasterSecret } from '../secrets/index.ts';
import { renderNodeConfig } from './server/index.ts';
import { stableJson } from './json.ts';
import { renderProfiles } from './client/index.ts';
import { writeBuild, type BuildSection } from './write.ts';
import { checkOutputDir } from '../files/output-dir.ts';

export type RenderProfiles = (fleet: Fleet, user: User, store: CredentialStore, now: Date) => Record<string, string> | undefined;

export interface RenderedBuild {
  nodes: Map<string, Record<string, string>>;
  /**
   * Every active user's profiles, rendered one user at a time as the iterable is walked
   * (by writeBuild): the whole fleet's profiles are never in memory at once.
   */
  users?: Iterable<[string, Record<string, string>]>;
}

/** Renders the selected enabled nodes and, given a profile renderer, every active user's profiles. */
export function renderBuild(fleet: Fleet, store: CredentialStore, now: Date, nodeNames: string[], profiles?: RenderProfiles): RenderedBuild {
  const nodes = new Map<string, Record<string, string>>();
  for (const node of fleet.nodes) {
    if (nodeNames.includes(node.name)) nodes.set(node.name, { 'config.json': stableJson(renderNodeConfig(fleet, node, store, now)) });
  }
  if (!profiles) return { nodes };
  return { nodes, users: userProfiles(fleet, store, now, profiles) };
}

function* userProfiles(fleet: Fleet, store: CredentialStore, now: Date, profiles: RenderProfiles): Generator<[string, Record<string, string>]> {
  for (const user of activeUsers(fleet, now)) {
    const files = profiles(fleet, user, store, now);
    if (files) yield [user.name, { ...files }];
  }
}

export async function runRender(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const fleet = requireFleet(ctx);
  const enabled = fleet.nodes.filter((n) => n.enabled).map((n) => n.name);
  const selected = listOption(args, 'nodes') ?? enabled;
  for (const name of selected) {
    if (!fleet.nodes.some((n) => n.name === name)) throw new UsageError(`--nodes: no node named "${name}" (nodes: ${fleet.nodes.map((n) => n.name).join(', ')})`);
    if (!enabled.includes(name)) throw new UsageError(`--nodes: node "${name}" is disabled; nothing to render`);
  }
  const out = checkOutputDir(resolve(ctx.root, (args.options.out as string | undefined) ?? 'build'), ctx.root, ['nodes', 'users']);
  const master = loadMasterSecret(ctx.env, { purpose: 'preview' });
  if (master.demo) ctx.io.err(DEMO_WARNING);
  const store = openCredentialStore(master, fleet.settings.epoch);
  const built = renderBuild(fleet, store, ctx.now, selected, renderProfiles);
  const sections: BuildSection[] = [{ name: 'nodes', entries: built.nodes, keep: enabled.filter((n) => !selected.includes(n)) }];
  if (built.users) sections.push({ name: 'users', entries: built.users });
  const written = await writeBuild(out, sections);
  const users = built.users ? `${written.entries.users ?? 0} user profile set(s)` : 'no user profiles';
  ctx.io.out(`rendered ${built.nodes.size} node config(s), ${users}: ${written.files} files, ${written.bytes} bytes → ${out}`);
  return EXIT.ok;
}
