// What the deploy user may run as root: the node script with exactly these argument
// shapes, and nothing else. This table is the node script's privileged interface; it
// becomes /etc/sudoers.d/boxfleet (sudo ≥ 1.9.10 matches `^…$` arguments as a regular
// expression over the arguments joined by spaces). A later subcommand (a held deploy
// session, usage read and acknowledge) is one more row here, in this shape, and the node
// script checks each value again. No row names a path: data arrives on stdin. `bootstrap`
// is absent on purpose: it writes root-run code and settings, and only the bootstrap user
// (root) runs it.
import { NODE_SCRIPT } from './ssh.ts';

const PIN = '[0-9A-Za-z.+-]{1,40} (amd64|arm64) [0-9a-f]{64} [A-Za-z0-9+/]{86}==';

export interface Privilege {
  /** What it is for (a comment in the sudoers file). */
  purpose: string;
  /** The whole argument list, as a regular expression (without ^ and $). */
  args: string;
}

export const DEPLOY_USER_PRIVILEGES: readonly Privilege[] = [
  { purpose: 'read what the node runs', args: '(status|version|self-version|hash|marker|is-active|main-pid|ports)' },
  { purpose: 'deploy in one held session: lock, release, config, verdict (read from stdin, no paths)', args: 'session' },
  { purpose: 'install a sing-box release (the tarball on stdin) with a signed pin', args: `install-singbox ${PIN}` },
  { purpose: 'refresh data files from a manifest on stdin (refuses anything root runs or trusts)', args: 'refresh' },
  { purpose: 'read the per-user traffic ledger, and acknowledge a stored read (the stats build)', args: '(usage-read|usage-ack [1-9][0-9]{0,17})' },
];

/** The usage collector's user (fleet.yaml usage.collector_key): the ledger, and nothing else. */
export const COLLECTOR_USER = 'boxfleet-collect';
export const COLLECTOR_PRIVILEGES: readonly Privilege[] = [
  { purpose: 'the usage collector: read the per-user traffic ledger, acknowledge a stored read', args: '(usage-read|usage-ack [1-9][0-9]{0,17})' },
];

// sudoers needs these escaped even inside a regular expression; a backslash passes through.
const sudoersEscape = (text: string): string => text.replace(/[,:=]/g, (c) => `\\${c}`);

/** /etc/sudoers.d/boxfleet for the deploy `user`, and the collector when the fleet has one. */
export function sudoersFile(user: string, collector?: string): string {
  const lines = ['# Written by boxfleet (scripts/deploy/privileges.ts): the deploy user may run the node', '# script with these arguments only, and nothing else as root.'];
  const rule = (who: string, p: Privilege) => lines.push(`# ${p.purpose}`, `${who} ALL=(root) NOPASSWD: ${NODE_SCRIPT} ^${sudoersEscape(p.args)}$`);
  for (const p of DEPLOY_USER_PRIVILEGES) rule(user, p);
  if (collector) for (const p of COLLECTOR_PRIVILEGES) rule(collector, p);
  return `${lines.join('\n')}\n`;
}
