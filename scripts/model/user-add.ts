// `fleet user add`: writes users/<name>.yaml from flags, commented, checked before writing.
import type { CommandContext, ParsedArgs } from '../core/command.ts';
import { EXIT, UsageError } from '../core/command.ts';
import { expectPositionals, listOption } from '../core/args.ts';
import { addNewFile, requireSlug, schemaComment, yamlValue } from './edit.ts';
import { INHERITED_NAME, PROBE_USER } from './reserved.ts';
import { parseInstant } from './time.ts';

const SELECTOR = /^(label|node):[a-z0-9][a-z0-9-]{0,39}$/;

function readFlags(args: ParsedArgs) {
  const [raw] = expectPositionals(args, 1, 'the user name, e.g. `user add grace`');
  const name = requireSlug(raw, 'user name');
  if (name === PROBE_USER) throw new UsageError(`"${PROBE_USER}" is reserved for the probe — choose another user name`);
  if (name === INHERITED_NAME) throw new UsageError(`"${INHERITED_NAME}" cannot name a user — choose another user name`);
  const o = args.options;
  const expires = o.expires as string | undefined;
  if (expires !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || !parseInstant(expires))) {
    throw new UsageError(`--expires "${expires}" is not a date — write the last day of access as YYYY-MM-DD, e.g. 2027-01-31`);
  }
  const nodes = listOption(args, 'nodes') ?? [];
  for (const s of nodes) if (!SELECTOR.test(s)) throw new UsageError(`--nodes entry "${s}" must be label:<label> or node:<name>, e.g. --nodes label:premium,node:tokyo-1`);
  const region = o.region === undefined ? undefined : requireSlug(String(o.region), 'region');
  const preferRegions = (listOption(args, 'prefer-regions') ?? []).map((r) => requireSlug(r, 'region'));
  let quota: number | undefined;
  if (o['quota-gb'] !== undefined) {
    quota = Number(o['quota-gb']);
    if (!Number.isFinite(quota) || quota < 0 || String(o['quota-gb']).trim() === '') throw new UsageError(`--quota-gb must be a number of GB (0 or more), not "${String(o['quota-gb'])}"`);
  }
  const language = o.language as string | undefined;
  if (language !== undefined && language !== 'en' && language !== 'zh-CN') throw new UsageError(`--language must be en or zh-CN, not "${language}"`);
  const note = o.note as string | undefined;
  if (note !== undefined && note.length > 1000) throw new UsageError('--note is longer than 1000 characters');
  return { name, expires, nodes, region, preferRegions, quota, language, note };
}

type Flags = ReturnType<typeof readFlags>;

export function userYaml(f: Flags): string {
  const v = yamlValue;
  const lines = [
    schemaComment('user'),
    `# User ${f.name}, written by \`fleet user add\`. The file name must stay ${f.name}.yaml.`,
    `name: ${f.name}`,
    '# false: no node accepts the user and their page says so (`fleet user disable`).',
    'enabled: true',
    ...(f.expires ? ['# Last day of access (UTC); access ends at the end of that day.', `expires: ${f.expires}`] : []),
    f.nodes.length
      ? '# Nodes this user may use (label:<label> or node:<name>).'
      : '# Nodes this user may use (label:<label> or node:<name>); empty means every node.',
    `nodes: [${f.nodes.join(', ')}]`,
    `# Bumped by \`fleet user rotate ${f.name}\` to rotate every credential and the subscription link.`,
    'rev: 1',
    ...(f.region ? ['# Where the user is: latency measured from vantages in this region is what their page shows.', `region: ${f.region}`] : []),
    ...(f.preferRegions.length ? ['# Nodes in these regions come first, in this order.', `prefer_regions: [${f.preferRegions.join(', ')}]`] : []),
    ...(f.quota !== undefined ? ['# Traffic allowance per quota period in GB, shown on the user\'s page and to apps; enforced with singbox.build: stats.', `quota_gb: ${f.quota}`] : []),
    ...(f.language ? [`language: ${f.language}`] : []),
    ...(f.note !== undefined ? ['# For the operator only; never published.', `note: ${v(f.note)}`] : []),
  ];
  return lines.join('\n') + '\n';
}

export async function runUserAdd(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const flags = readFlags(args);
  const rel = `users/${flags.name}.yaml`;
  addNewFile(ctx, rel, userYaml(flags));
  ctx.io.out(`wrote ${rel}${flags.expires ? ` (access until the end of ${flags.expires} UTC)` : ''}`);
  ctx.io.out('next: commit it; the next deploy and publish give the user their nodes and subscription page');
  return EXIT.ok;
}
