// What the deploy user may run as root: the node script with exactly these argument
// shapes, and nothing else. This table is the node script's privileged interface; it
// becomes /etc/sudoers.d/boxfleet (sudo ≥ 1.9.10 matches `^…$` arguments as a regular
// expression over the arguments joined by spaces). A later subcommand (a held deploy
// session, usage read and acknowledge) is one more row here, in this shape, and the node
// script checks each value again. `bootstrap` is absent on purpose: it writes root-run
// code and settings, and only the bootstrap user (root) runs it.
import { NODE_SCRIPT } from './ssh.ts';

const UPLOAD = '/tmp/boxfleet-upload\\.[A-Za-z0-9]{8}';
const TOKEN = '--token [0-9a-f]{32}';
const HEX64 = '[0-9a-f]{64}';
const PIN = `[0-9A-Za-z.+-]{1,40} (amd64|arm64) ${HEX64} [A-Za-z0-9+/]{86}==`;

export interface Privilege {
  /** What it is for (a comment in the sudoers file). */
  purpose: string;
  /** The whole argument list, as a regular expression (without ^ and $). */
  args: string;
}

export const DEPLOY_USER_PRIVILEGES: readonly Privilege[] = [
  { purpose: 'read what the node runs', args: '(status|version|self-version|hash|marker|is-active|main-pid|ports)' },
  { purpose: 'deploy in one held session: lock, release, config, verdict (read from stdin, no paths)', args: 'session' },
  { purpose: 'hold the deploy lock for one deploy', args: 'lock' },
  { purpose: 'check an uploaded config', args: `check ${UPLOAD}` },
  { purpose: 'check, swap and start an uploaded config', args: `apply ${UPLOAD} --sha256 ${HEX64} ${TOKEN}` },
  { purpose: 'roll back the config or the binary, restart', args: `(rollback|restart|rollback-singbox) ${TOKEN}` },
  { purpose: 'open the ports of the live config', args: `firewall( (tcp|udp):[0-9]{1,5}){0,64} ${TOKEN}` },
  { purpose: 'record what was deployed', args: `write-marker --sha256 ${HEX64} --commit [0-9A-Za-z._-]{1,64} --deployed-at [0-9T:.+Z-]{1,40} ${TOKEN}` },
  { purpose: 'install a sing-box release with a signed pin', args: `install-singbox ${UPLOAD} ${PIN} ${TOKEN}` },
  { purpose: 'the same, and refresh data files, each under its own lock', args: `with-lock (install-singbox ${UPLOAD} ${PIN}|refresh ${UPLOAD})` },
];

// sudoers needs these escaped even inside a regular expression; a backslash passes through.
const sudoersEscape = (text: string): string => text.replace(/[,:=]/g, (c) => `\\${c}`);

/** /etc/sudoers.d/boxfleet for `user`. */
export function sudoersFile(user: string): string {
  const lines = ['# Written by boxfleet (scripts/deploy/privileges.ts): the deploy user may run the node', '# script with these arguments only, and nothing else as root.'];
  for (const p of DEPLOY_USER_PRIVILEGES) lines.push(`# ${p.purpose}`, `${user} ALL=(root) NOPASSWD: ${NODE_SCRIPT} ^${sudoersEscape(p.args)}$`);
  return `${lines.join('\n')}\n`;
}
