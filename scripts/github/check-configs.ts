// `fleet check-configs`: runs the real `sing-box check` on every rendered node config and
// every client profile, and the real `mihomo -t` on every mihomo profile, in CI, before a
// deploy or a user's app could find the problem.
// `sing-box check` reads the TLS files a config names (/etc/sing-box/tls/…), which a runner
// does not have and must not need root to create: each config is checked as a copy whose
// certificate_path/key_path point under a throwaway prefix holding one placeholder pair.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { checkMihomoProfile, mihomoVersion, renderedMihomoProfiles } from './check-mihomo.ts';
import { addSummary, cell } from './summary.ts';
import { markdownText, terminalText } from '../text/escape.ts';
import { annotationLine } from '../text/workflow-command.ts';
import { childEnv } from '../core/child-env.ts';

const run = promisify(execFile);

export interface CheckResult { file: string; ok: boolean; message: string }

/** build/nodes/<node>/config.json and build/users/<user>/sing-box.json, sorted. */
export function renderedConfigs(build: string): string[] {
  const list = (sub: string, name: string): string[] => {
    const d = join(build, sub);
    if (!existsSync(d)) return [];
    return readdirSync(d).sort().map((n) => join(d, n, name)).filter((f) => existsSync(f));
  };
  return [...list('nodes', 'config.json'), ...list('users', 'sing-box.json')];
}

/**
 * Rewrites, in place, every object holding certificate_path or key_path to point under
 * `prefix`; returns the original paths (certificates and keys separately).
 */
export function rewriteTlsPaths(node: unknown, prefix: string, found = { certs: new Set<string>(), keys: new Set<string>() }) {
  if (Array.isArray(node)) { for (const v of node) rewriteTlsPaths(v, prefix, found); return found; }
  if (!node || typeof node !== 'object') return found;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if ((k === 'certificate_path' || k === 'key_path') && typeof v === 'string') {
      (k === 'certificate_path' ? found.certs : found.keys).add(v);
      o[k] = join(prefix, resolve('/', v));
    } else rewriteTlsPaths(v, prefix, found);
  }
  return found;
}

/** One throwaway self-signed pair; sing-box check only needs files that parse and match. */
function placeholderPair(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'placeholder.crt');
  const key = join(dir, 'placeholder.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=boxfleet-check-placeholder'], { env: childEnv(), stdio: 'ignore', timeout: 30_000 });
  return { cert, key };
}

async function checkOne(bin: string, file: string, build: string, work: string, index: number, pair: { cert: string; key: string }): Promise<CheckResult> {
  const rel = relative(build, file);
  let config: unknown;
  try { config = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { return { file: rel, ok: false, message: `not JSON: ${(e as Error).message}` }; }
  const prefix = join(work, 'root');
  const { certs, keys } = rewriteTlsPaths(config, prefix);
  for (const [set, src] of [[certs, pair.cert], [keys, pair.key]] as const) {
    for (const p of set) {
      const dest = join(prefix, resolve('/', p));
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(src, dest);
    }
  }
  const copy = join(work, 'configs', `${index}.json`);
  mkdirSync(dirname(copy), { recursive: true });
  writeFileSync(copy, JSON.stringify(config), { mode: 0o600 });
  try {
    await run(bin, ['check', '-c', copy], { env: childEnv(), timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
    return { file: rel, ok: true, message: 'ok' };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string; code?: unknown };
    // sing-box names the copy; the operator needs the rendered file's name.
    const text = `${err.stderr ?? ''}${err.stdout ?? ''}`.trim() || err.message;
    return { file: rel, ok: false, message: text.split(copy).join(rel).split(prefix).join('').split('\n').slice(0, 5).join(' | ') };
  } finally {
    rmSync(copy, { force: true });
  }
}

/** Runs `check` on every file, a few at once: each is a short process, and runners have 2–4 cores. */
async function checkAll(files: string[], check: (file: string, i: number) => Promise<CheckResult>): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(files.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(4, files.length) }, async () => {
    while (next < files.length) { const i = next++; results[i] = await check(files[i]!, i); }
  }));
  return results;
}

export async function runCheckConfigs(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const singbox = args.options.singbox as string | undefined;
  const mihomo = args.options.mihomo as string | undefined;
  if (!singbox && !mihomo) throw new UsageError('--singbox BIN or --mihomo BIN is required (install sing-box with `npm run fleet -- singbox install`)');
  const build = resolve(ctx.root, (args.options.build as string | undefined) ?? 'build');
  const format = args.options.format as string;
  const reports: Report[] = [];
  if (singbox) {
    const bin = resolve(singbox);
    const files = renderedConfigs(build);
    if (files.length === 0) return nothingRendered(ctx, build);
    let version: string;
    try { version = execFileSync(bin, ['version'], { env: childEnv(), encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim(); } catch {
      ctx.io.err(`check-configs: ${bin} does not run (\`sing-box version\` failed)`);
      return EXIT.failed;
    }
    const work = mkdtempSync(join(tmpdir(), 'boxfleet-check-'));
    try {
      const pair = placeholderPair(work);
      reports.push({ tool: 'sing-box check', version, results: await checkAll(files, (f, i) => checkOne(bin, f, build, join(work, `w${i}`), i, pair)) });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (mihomo) {
    const bin = resolve(mihomo);
    const files = renderedMihomoProfiles(build);
    if (files.length === 0) return nothingRendered(ctx, build);
    const version = mihomoVersion(bin);
    if (!version) {
      ctx.io.err(`check-configs: ${bin} does not run (\`mihomo -v\` failed)`);
      return EXIT.failed;
    }
    reports.push({ tool: 'mihomo -t', version, results: await checkAll(files, (f) => checkMihomoProfile(bin, f, build)) });
  }
  if (format === 'json') ctx.io.out(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
  else for (const r of reports) report(ctx, format, r);
  return reports.every((r) => r.results.every((x) => x.ok)) ? EXIT.ok : EXIT.failed;
}

function nothingRendered(ctx: CommandContext, build: string): number {
  ctx.io.err(`check-configs: nothing rendered under ${build}: run \`npm run fleet -- render\` first`);
  return EXIT.failed;
}

interface Report { tool: string; version: string; results: CheckResult[] }

function report(ctx: CommandContext, format: string, { tool, version, results }: Report): void {
  const failed = results.filter((r) => !r.ok);
  const head = `${version}: ${results.length - failed.length} of ${results.length} ${tool === 'mihomo -t' ? 'profile(s) pass `mihomo -t`' : 'config(s) pass `sing-box check`'}`;
  // A checker's message can quote the config, whose strings came from fleet files: every
  // sink gets it inert (terminal, workflow command, Markdown summary).
  for (const r of results) ctx.io.out(`${r.ok ? 'ok  ' : 'FAIL'}  ${terminalText(r.file)}${r.ok ? '' : `: ${terminalText(r.message)}`}`);
  ctx.io.out(head);
  if (format !== 'github') return;
  // At most 10 error annotations show per step; the summary lists every file.
  for (const r of failed.slice(0, 10)) ctx.io.out(annotationLine('error', `${r.file}: ${r.message}`, { title: `${tool} (${version})` }));
  addSummary(ctx, [`### ${tool}`, '', head, '', '| file | result |', '|---|---|',
    ...results.map((r) => `| \`${cell(r.file)}\` | ${r.ok ? 'ok' : markdownText(r.message)} |`), ''].join('\n'));
}
