// `fleet bootstrap <node>`: turns a bare VPS into a boxfleet node, idempotently. The first
// run logs in as bootstrap_user (root) and installs the node script; every later run goes
// through the deploy user and the node script, like a deploy. Either way the node script
// does the writing, so both paths share one code path on the node.
import { execFileSync } from 'node:child_process';
import { expectPositionals } from '../core/args.ts';
import { requireFleet } from '../model/require.ts';
import { EXIT, OperationError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import type { Node } from '../model/types.ts';
import { openCredentialStore, loadMasterSecret, redactor, withAddresses } from '../secrets/index.ts';
import { pinnedRelease, signedPin } from './release.ts';
import { buildManifest, nodeScript, parseHostFlags } from './bootstrap-files.ts';
import { nodeMonitoringFiles } from '../monitoring/node-files.ts';
import { sessionOptions, sshTarget, unreachableReason } from './inputs.ts';
import { NODE_SCRIPT, openSession, sq, type Session } from './ssh.ts';
import { childEnv } from '../core/child-env.ts';

function publicKeyOf(identity: string | undefined): string {
  if (!identity) throw new OperationError('bootstrap needs the deploy key: pass --identity FILE or set SSH_PRIVATE_KEY_FILE (its public key is installed for the deploy user)');
  try {
    return execFileSync('ssh-keygen', ['-y', '-f', identity], { env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(/\s+/).slice(0, 2).join(' ');
  } catch {
    throw new OperationError(`cannot read the public key of ${identity}`);
  }
}

/** Deploy user first (a bootstrapped node); the bootstrap user when that does not work. */
async function connect(ctx: CommandContext, node: Node, identity: string | undefined, redact: (t: string) => string, asRoot: boolean): Promise<{ s: Session; first: boolean }> {
  const opts = sessionOptions(ctx, identity);
  if (!asRoot) try {
    const s = await openSession(sshTarget(node), opts);
    if ((await s.node(['self-version'])).code === 0) return { s, first: false };
    await s.close();
  } catch {
    // Not bootstrapped yet (no deploy user, or no sudo rule): fall through.
  }
  try {
    return { s: await openSession({ ...sshTarget(node), user: node.ssh.bootstrap_user }, opts), first: true };
  } catch (e) {
    throw new OperationError(`cannot reach ${node.name} as ${node.ssh.user} or ${node.ssh.bootstrap_user}: ${unreachableReason(e, redact)}`);
  }
}

const lastLines = (text: string): string => text.trim().split('\n').slice(-3).join(' ');
/** sudo's refusal of a shape the node's sudoers does not list (a node bootstrapped by an older boxfleet). */
const refusedBySudo = (stderr: string): boolean => /sudo: a password is required|is not allowed to execute/i.test(stderr);

export async function runBootstrap(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [name] = expectPositionals(args, 1, 'the node name, e.g. `bootstrap tokyo-1`');
  const fleet = requireFleet(ctx);
  const node = fleet.nodes.find((n) => n.name === name);
  if (!node) throw new OperationError(`no node \`${name}\` (nodes: ${fleet.nodes.map((n) => n.name).join(', ')})`);
  const master = loadMasterSecret(ctx.env, { purpose: 'publish' });
  const store = openCredentialStore(master, fleet.settings.epoch);
  store.node(node.name, node.rev); // records the node's secrets for redaction
  const identity = (args.options.identity as string | undefined) ?? ctx.env.SSH_PRIVATE_KEY_FILE;
  const authorizedKey = publicKeyOf(identity);
  const tarball = await pinnedRelease(fleet.settings, node.arch, args.options.release as string | undefined, ctx.env);
  const secrets = redactor(store.allSecretValues());
  const redact = withAddresses(secrets, [node.address, node.ssh.host]);

  const { s, first } = await connect(ctx, node, identity, redact, args.options['as-root'] === true);
  let scriptUpload: string | undefined;
  const changed: string[] = [];
  try {
    ctx.io.err(`bootstrap ${node.name}: connected as ${s.target.user}${first ? ' (bootstrap user: every file)' : ' (deploy user: data files only)'}`);
    if (first) {
      // Only the node script itself is installed without it; everything else goes through it.
      const p = (scriptUpload = await s.upload(nodeScript()));
      const sudo = s.target.user === 'root' ? '' : 'sudo -n ';
      const r = await s.run(`if ! cmp -s ${sq(p)} ${NODE_SCRIPT}; then ${sudo}install -D -m 0755 ${sq(p)} ${NODE_SCRIPT}; echo "changed ${NODE_SCRIPT}"; fi`);
      if (r.code !== 0) throw new OperationError(`installing the node script failed: ${redact(r.stderr.trim())}`);
      changed.push(...r.stdout.split('\n').filter((l) => l.startsWith('changed ')));
    }
    const flags = parseHostFlags((await s.run('cat /etc/boxfleet/node.env 2>/dev/null || true')).stdout);
    const step = async (what: string, args: string[], input: Buffer): Promise<void> => {
      const r = await s.node(args, { input, timeoutMs: 300_000 });
      if (r.code === 15 || (!first && refusedBySudo(r.stderr))) {
        const why = r.code === 15 ? redact(lastLines(r.stderr)) : 'this node\'s script or sudoers is older than this boxfleet';
        throw new OperationError(`${what} on ${node.name}: ${why}; the deploy user may not change these. ` +
          `Run it as ${node.ssh.bootstrap_user} (with the key ${node.ssh.bootstrap_user} logs in with, if that is another one):\n` +
          `  npm run fleet -- bootstrap ${node.name} --as-root${identity ? ` --identity ${identity}` : ''}`);
      }
      if (r.code !== 0) throw new OperationError(`${what} failed on ${node.name} (exit ${r.code}): ${redact(lastLines(r.stderr))}`);
      for (const line of r.stdout.split('\n')) {
        if (line.startsWith('changed ')) changed.push(line);
        else if (line.startsWith('skipped ')) ctx.io.err(`  ${line}`);
      }
    };
    // Files first: a first bootstrap installs the pin key the release is then checked with.
    const manifest = buildManifest(fleet, node, store, authorizedKey, flags, nodeMonitoringFiles(fleet, node));
    await step(first ? 'bootstrap' : 'refresh', [first ? 'bootstrap' : 'refresh'], Buffer.from(JSON.stringify(manifest), 'utf8'));
    await step('installing sing-box', ['install-singbox', ...signedPin(fleet, node, store)], tarball);
  } finally {
    if (scriptUpload) await s.run(`rm -f ${sq(scriptUpload)}`).catch(() => undefined);
    await s.close();
  }
  const mon = fleet.settings.monitoring?.address;
  if (mon && !/^[0-9.:a-fA-F]+$/.test(mon)) ctx.io.err(`note: monitoring.address is a host name; the node firewall admits only addresses, so it was left out`);
  if (node.tls?.mode === 'acme' && node.tls.acme?.challenge === 'http-01') ctx.io.err('note: port 80 is open for the ACME http-01 challenge');
  if (changed.length === 0) ctx.io.out(`bootstrap ${node.name}: no change`);
  else ctx.io.out([`bootstrap ${node.name}: ${changed.length} change(s)`, ...changed.map((c) => `  ${redact(c)}`)].join('\n'));
  return EXIT.ok;
}
