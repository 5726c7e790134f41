// `fleet probe` and `fleet probe manifest`: choose where targets come from (secret or
// manifest), run the checks, print, write the run file. Exit 0 whatever was found, unless
// --exit-code asks for 3 on an unhealthy node.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { requireFleet } from '../model/require.ts';
import { intOption, listOption } from '../core/args.ts';
import { rootPath, EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { durationSeconds } from '../model/time.ts';
import type { Vantage } from '../model/types.ts';
import { DEMO_WARNING, inActions, loadMasterSecret, maskValue, openCredentialStore, SECRET_ENV, VANTAGE_KEY_ENV, VANTAGE_KEY_PATTERN } from '../secrets/index.ts';
import { signRun } from './signature.ts';
import { formatRun } from './format.ts';
import { terminalText } from '../text/escape.ts';
import { buildManifest, isManifestText, readManifest, writeManifest } from './manifest.ts';
import { checkOutputFile } from '../files/output-dir.ts';
import { groupByNode, probeAll } from './scheduler.ts';
import { findSingBox } from './singbox.ts';
import { targetsFromFleet } from './targets.ts';
import type { ProbeRun, ProbeTarget } from './types.ts';

/** Where tests (or an operator with a private CA) add a trusted CA for the TLS layer. */
export const CA_FILE_ENV = 'BOXFLEET_PROBE_CA_FILE';

interface Plan {
  targets: ProbeTarget[]; url: string; timeout: string; showAddresses: boolean; demo: boolean;
  vantages: Vantage[];
  /** The key that signs the run of a vantage, when this machine has it. */
  keyFor(vantage: string): string | undefined;
}

function planFromManifest(ctx: CommandContext, path: string, names: string[] | undefined): Plan {
  const m = readManifest(path, { mask: inActions(ctx.env) });
  const known = new Set(m.targets.map((t) => t.node));
  const missing = (names ?? []).filter((n) => !known.has(n));
  if (missing.length) throw new UsageError(`--nodes: not in the manifest: ${missing.join(', ')}`);
  const vantages = (m.probe as { vantages?: Vantage[] }).vantages ?? [];
  const key = vantageKeyFromEnv(ctx);
  return { targets: m.targets.filter((t) => !names || names.includes(t.node)), url: m.probe.url, timeout: m.probe.timeout, showAddresses: m.probe.show_addresses, demo: m.demo, vantages, keyFor: () => key };
}

/** A self-hosted vantage's key (no FLEET_SECRET there): checked, and masked in Actions. */
function vantageKeyFromEnv(ctx: CommandContext): string | undefined {
  const key = ctx.env[VANTAGE_KEY_ENV]?.trim();
  if (!key) return undefined;
  if (inActions(ctx.env)) maskValue(key);
  if (!VANTAGE_KEY_PATTERN.test(key)) throw new OperationError(`${VANTAGE_KEY_ENV} is not a vantage key (64 hex characters); make it with \`npm run fleet -- probe vantage-key NAME\` on your machine`);
  return key;
}

function planFromFleet(ctx: CommandContext, names: string[] | undefined): Plan {
  const fleet = requireFleet(ctx);
  const missing = (names ?? []).filter((n) => !fleet.nodes.some((x) => x.name === n));
  if (missing.length) throw new UsageError(`--nodes: no such node: ${missing.join(', ')}`);
  const master = loadMasterSecret(ctx.env, { purpose: 'preview' });
  const demo = master.demo;
  if (demo) ctx.io.err(DEMO_WARNING);
  const p = fleet.settings.probe;
  const store = openCredentialStore(master, fleet.settings.epoch);
  return {
    targets: targetsFromFleet(fleet, master, names), url: p.url, timeout: p.timeout, showAddresses: fleet.settings.alerts.show_addresses, demo, vantages: p.vantages,
    keyFor: (vantage) => store.vantageKey(vantage),
  };
}

function pickVantage(plan: Plan, name: string | undefined): { name: string; region: string } {
  if (name === undefined) return plan.vantages[0] ?? { name: 'local', region: 'unknown' };
  const v = plan.vantages.find((x) => x.name === name);
  if (!v) throw new UsageError(`--vantage: "${name}" is not in fleet.yaml probe.vantages (${plan.vantages.map((x) => x.name).join(', ') || 'none'})`);
  return { name: v.name, region: v.region };
}

function timeoutMs(text: string): number {
  try {
    const ms = durationSeconds(text) * 1000;
    if (ms < 1000 || ms > 120_000) throw new Error('range');
    return ms;
  } catch { throw new UsageError(`--timeout must be a duration from 1s to 120s such as 5s, not "${text}"`); }
}

export async function runProbe(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const names = listOption(args, 'nodes');
  const manifest = args.options.manifest === undefined ? undefined : rootPath(ctx, args.options.manifest as string);
  const plan = manifest ? planFromManifest(ctx, manifest, names) : planFromFleet(ctx, names);
  const vantage = pickVantage(plan, args.options.vantage as string | undefined);
  const timeout = timeoutMs((args.options.timeout as string | undefined) ?? plan.timeout);
  const concurrency = intOption(args, 'concurrency', 1, 512) ?? 32;
  const caFile = ctx.env[CA_FILE_ENV];
  const extraCa = caFile ? readFileSync(caFile, 'utf8') : undefined;
  let url: URL;
  try { url = new URL(plan.url); } catch { throw new OperationError(`probe URL "${plan.url}" is not a URL`); }
  const started = performance.now();
  const results = await probeAll(plan.targets, {
    url, timeoutMs: timeout, now: ctx.now, extraCa, singbox: findSingBox(ctx.env), showAddresses: plan.showAddresses,
  }, concurrency);
  const unsigned: ProbeRun = {
    schema_version: 1, time: ctx.now.toISOString(), vantage, probe_url_host: url.host, timeout_ms: timeout,
    duration_ms: Math.round(performance.now() - started), demo: plan.demo, nodes: groupByNode(plan.targets, results),
  };
  const key = plan.keyFor(vantage.name);
  const run = key ? signRun(unsigned, key) : unsigned;
  const out = args.options.out === undefined ? undefined : rootPath(ctx, args.options.out as string);
  if (out && !key) ctx.io.err(`warning: the run is not signed (no ${VANTAGE_KEY_ENV}); \`status merge\` will refuse it. Make the key with \`npm run fleet -- probe vantage-key ${vantage.name}\` on your machine`);
  if (out) {
    // `--out build/probe-run.json` on a fresh clone: the folder is made, as every other --out does.
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(run, null, 2) + '\n');
  }
  ctx.io.out(args.options.format === 'json' ? JSON.stringify(run, null, 2) : formatRun(run));
  const unhealthy = run.nodes.some((n) => !n.maintenance && (n.state === 'down' || n.state === 'degraded'));
  return args.options['exit-code'] && unhealthy ? EXIT.found : EXIT.ok;
}

export async function runManifest(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.options.out === undefined) throw new UsageError('--out FILE is required');
  const out = checkOutputFile(rootPath(ctx, args.options.out as string), ctx.root, isManifestText);
  const fleet = requireFleet(ctx);
  if (!ctx.env[SECRET_ENV]?.trim()) throw new OperationError(`${SECRET_ENV} is not set; the manifest holds credentials derived from it (set it, or the demo secret for tests)`);
  const master = loadMasterSecret(ctx.env, { purpose: 'preview' });
  const demo = master.demo;
  if (demo) ctx.io.err(DEMO_WARNING);
  const m = buildManifest(fleet, master);
  (m.probe as { vantages?: Vantage[] }).vantages = fleet.settings.probe.vantages;
  writeManifest(out, m);
  ctx.io.out(`wrote ${out}: ${m.targets.length} endpoint(s) of ${new Set(m.targets.map((t) => t.node)).size} node(s)${demo ? ' (DEMO secret: demo: true)' : ''}; keep it private (mode 0600)`);
  return EXIT.ok;
}

/**
 * `fleet probe vantage-key NAME`: the signing key of a self-hosted vantage, printed alone on
 * stdout so it can be piped into `gh secret set`. Only on the operator's machine: in
 * GitHub Actions it would reach a log or an artifact.
 */
export async function runVantageKey(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length !== 1) throw new UsageError('give one vantage name, e.g. `probe vantage-key home-cn`');
  const name = args.positionals[0]!;
  if (inActions(ctx.env) || ctx.env.CI === 'true') throw new OperationError('vantage keys are made on your own machine, never in CI (the key would reach a log); run it there and store the key as a secret of the GitHub environment');
  const fleet = requireFleet(ctx);
  const v = fleet.settings.probe.vantages.find((x) => x.name === name);
  const selfHosted = fleet.settings.probe.vantages.filter((x) => x.self_hosted).map((x) => x.name);
  if (!v) throw new UsageError(`"${terminalText(name)}" is not in fleet.yaml probe.vantages (self-hosted ones: ${selfHosted.join(', ') || 'none'})`);
  if (!v.self_hosted) throw new UsageError(`vantage "${name}" is GitHub-hosted: its probe derives its key from FLEET_SECRET, there is nothing to store`);
  const master = loadMasterSecret(ctx.env, { purpose: 'publish' });
  ctx.io.out(openCredentialStore(master, fleet.settings.epoch).vantageKey(name));
  ctx.io.err(`the signing key of vantage ${name} (epoch ${fleet.settings.epoch}); store it where only that vantage's jobs can read it:\n` +
    `  npm run -s fleet -- probe vantage-key ${name} | gh secret set ${VANTAGE_KEY_ENV} --env vantage-${name}\n` +
    'It changes with FLEET_SECRET and fleet.yaml epoch: make and store it again after either changes.');
  return EXIT.ok;
}
