// `fleet plan --base REF`: the fleet at REF against the working tree, both rendered with
// one throwaway secret (the plan's shape does not depend on it; equal inputs give equal
// credentials on both sides, so only real changes show).
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { errorsOf, formatDiagnostic, FleetInputError, warningsOf } from '../../model/diagnostics.ts';
import { loadFleet } from '../../model/load.ts';
import { withQuota } from '../../model/quota.ts';
import type { Fleet } from '../../model/types.ts';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../../core/command.ts';
import { openCredentialStore, type CredentialStore, type MasterSecret } from '../../secrets/index.ts';
import { renderNodeConfig, type SingBoxConfig } from '../server/index.ts';
import { diffNode } from './diff.ts';
import { formatPlan } from './format.ts';
import { gitSource } from './git-source.ts';
import type { NodeChange, Plan } from './types.ts';
import { diffUsers } from './users.ts';

export interface PlanInput {
  ref: string;
  commit?: string;
  /** The fleet at the base, or undefined with the reasons it could not be used. */
  base: Fleet | undefined;
  baseProblems: string[];
  head: Fleet;
  /** What the head is: "working tree", or "<ref> (<commit>)" with --head. */
  headName?: string;
  now: Date;
  secret: Buffer;
}

/** The plan and every secret value derived while making it (for leak checks). */
export function buildPlan(input: PlanInput): { plan: Plan; secrets: string[] } {
  const { head, now } = input;
  // Not masked: the plan's secret is thrown away, so nothing derived from it opens anything
  // (and masking thousands of meaningless values would only slow the log).
  const master: MasterSecret = { secret: input.secret, demo: false, mask: false };
  const headStore = openCredentialStore(master, head.settings.epoch);
  const headConfigs = renderAll(head, headStore, now);
  let base = input.base;
  const problems = [...input.baseProblems];
  let baseConfigs = new Map<string, SingBoxConfig>();
  // Same epoch, same store: identical inputs then give identical bytes on both sides.
  const baseStore = base && base.settings.epoch !== head.settings.epoch ? openCredentialStore(master, base.settings.epoch) : headStore;
  if (base) {
    try {
      baseConfigs = renderAll(base, baseStore, now);
    } catch (e) {
      if (!(e instanceof FleetInputError)) throw e;
      problems.push(...e.diagnostics.map(formatDiagnostic));
      base = undefined;
    }
  }
  const secrets = new Set([...headStore.allSecretValues(), ...baseStore.allSecretValues()]);
  const isSecret = (v: string) => secrets.has(v);
  const nodes: NodeChange[] = [];
  const unchanged: string[] = [];
  for (const name of [...new Set([...baseConfigs.keys(), ...headConfigs.keys()])].sort()) {
    const change = diffNode(name, baseConfigs.get(name), headConfigs.get(name), isSecret);
    if (!change) { unchanged.push(name); continue; }
    const [b, h] = [base?.nodes.find((n) => n.name === name), head.nodes.find((n) => n.name === name)];
    if (change.change === 'added') change.reason = b ? 'enabled' : 'new node';
    if (change.change === 'removed') change.reason = h ? 'disabled' : 'node file removed';
    if (change.change === 'changed' && b && h && b.rev !== h.rev) {
      change.reason = `node keys rotated (rev ${b.rev} → ${h.rev}): its clients must refresh their profiles`;
    }
    nodes.push(change);
  }
  if (base && base.settings.epoch !== head.settings.epoch) problems.push(`fleet epoch ${base.settings.epoch} → ${head.settings.epoch}: every credential changes`);
  const plan: Plan = {
    base: { ref: input.ref, commit: input.commit, valid: base !== undefined, problems },
    head: input.headName ?? 'working tree',
    now: now.toISOString().replace('.000Z', 'Z'),
    nodes,
    users: diffUsers(base, head, now),
    unchangedNodes: unchanged,
  };
  return { plan, secrets: [...secrets] };
}

function renderAll(fleet: Fleet, store: CredentialStore, now: Date): Map<string, SingBoxConfig> {
  const out = new Map<string, SingBoxConfig>();
  for (const node of fleet.nodes) if (node.enabled) out.set(node.name, renderNodeConfig(fleet, node, store, now, { matchCertificateKey: false }));
  return out;
}

export async function runPlan(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const ref = args.options.base;
  if (typeof ref !== 'string' || ref === '') throw new UsageError('--base REF is required (e.g. --base origin/main)');
  const headRef = args.options.head;
  if (headRef !== undefined && (typeof headRef !== 'string' || headRef === '')) throw new UsageError('--head needs a Git ref (e.g. --head FETCH_HEAD)');
  const root = resolve(ctx.root);
  // With --head the head is read from Git as data too (fleet.yaml, nodes/, users/ only),
  // so a fork's files can be planned without checking out, let alone running, its code.
  const head = headRef === undefined ? undefined : await gitSource(root, headRef, '--head');
  const headResult = loadFleet(root, ctx.now, head?.source);
  for (const w of warningsOf(headResult.diagnostics)) ctx.io.err(formatDiagnostic(w));
  if (!headResult.fleet) throw new FleetInputError(errorsOf(headResult.diagnostics));
  const { source, commit } = await gitSource(root, ref);
  const baseResult = loadFleet(root, ctx.now, source);
  const { plan } = buildPlan({
    ref, commit, base: baseResult.fleet, headName: head ? `${headRef} (${head.commit.slice(0, 12)})` : undefined,
    baseProblems: baseResult.fleet ? [] : errorsOf(baseResult.diagnostics).map(formatDiagnostic),
    // --usage: the head with this period's quotas (the base as Git has it), so the plan
    // shows who loses their nodes for being over quota, and says so.
    head: withQuota(headResult.fleet, ctx.usage, ctx.now), now: ctx.now, secret: randomBytes(48),
  });
  ctx.io.out(formatPlan(plan, String(args.options.format)).replace(/\n$/, ''));
  return EXIT.ok;
}
