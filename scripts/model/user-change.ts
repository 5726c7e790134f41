// `fleet user rotate` and `fleet user disable`: small edits of one user file that keep
// the operator's comments and layout (yaml's Document API), checked before writing.
import type { Document } from 'yaml';
import type { CommandContext, ParsedArgs } from '../core/command.ts';
import { EXIT, OperationError } from '../core/command.ts';
import { expectPositionals } from '../core/args.ts';
import { requireFleet } from './require.ts';
import { graceRev } from './access.ts';
import { checkEdit, documentText, isoSeconds, openDocument, replaceFile, requireSlug } from './edit.ts';
import { durationSeconds } from './time.ts';
import type { Fleet, User } from './types.ts';

function findUser(ctx: CommandContext, args: ParsedArgs, example: string): { fleet: Fleet; user: User; rel: string } {
  const [raw] = expectPositionals(args, 1, `the user name, e.g. \`${example}\``);
  const name = requireSlug(raw, 'user name');
  const fleet = requireFleet(ctx, { quiet: true });
  const user = fleet.users.find((u) => u.name === name);
  if (!user) throw new OperationError(`no user \`${name}\` in users/ — add one with \`npm run fleet -- user add ${name}\``);
  return { fleet, user, rel: `users/${name}.yaml` };
}

/** Writes the edited document after checking the whole fleet with it. */
function commit(ctx: CommandContext, rel: string, doc: Document): void {
  const text = documentText(doc);
  checkEdit(ctx, { [rel]: text });
  replaceFile(ctx, rel, text);
}

export async function runUserRotate(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const { fleet, user, rel } = findUser(ctx, args, 'user rotate alice');
  const revoke = args.options.revoke === true;
  const stillInGrace = graceRev(user, fleet, ctx.now);
  const rev = user.rev + 1;
  const at = isoSeconds(ctx.now);
  const doc = openDocument(ctx, rel);
  doc.set('rev', rev);
  doc.set('rotated_at', at);
  doc.set('revoked', revoke);
  commit(ctx, rel, doc);
  const out = ctx.io.out;
  out(`${rel}: rev ${user.rev} → ${rev}, rotated_at ${at}, revoked: ${revoke}`);
  if (revoke) {
    out(`revoked: the old link and credentials stop at the next deploy and publish (no grace period); ${user.name} needs the new link`);
  } else {
    const grace = fleet.settings.users.rotation_grace;
    const ends = isoSeconds(new Date(ctx.now.getTime() + durationSeconds(grace) * 1000));
    out(`routine rotation: after the next deploy and publish, rev ${user.rev} keeps working and the old link serves the new profile until ${ends} (users.rotation_grace ${grace}); apps that refresh before then switch by themselves`);
  }
  if (stillInGrace !== undefined) out(`note: the grace period of rev ${stillInGrace} was still running; it ends now`);
  return EXIT.ok;
}

export async function runUserDisable(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const { user, rel } = findUser(ctx, args, 'user disable bob');
  if (!user.enabled) {
    ctx.io.out(`${rel}: ${user.name} is already disabled; nothing changed`);
    return EXIT.ok;
  }
  const doc = openDocument(ctx, rel);
  doc.set('enabled', false);
  commit(ctx, rel, doc);
  ctx.io.out(`${rel}: enabled: false — after the next deploy and publish no node accepts ${user.name} and their page says so`);
  return EXIT.ok;
}
