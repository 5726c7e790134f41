// One test host = Debian's sshd in its own network, mount and UTS namespaces.
//
// `ip netns exec NS unshare --mount --uts --propagation private sh -c INIT` execs all the
// way down (ip, unshare and `exec sshd` replace themselves), so the PID we spawn *is*
// sshd's PID. INIT builds the host's private view of the file system before exec:
// overlays whose writes land in the host's upper dir, tmpfs where state is volatile.
// Every ssh session is a child of that sshd and inherits its mounts; helpers that run
// without ssh join the same namespaces with nsenter --target <sshd pid>.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { runChecked } from './proc.ts';
import { waitForPort } from './tcp.ts';

/**
 * Directories overlaid on the machine's own (lower) copy; writes land in upper/<dir>.
 * /root is overlaid too, on a clean skeleton instead (see writeRootSkel). Everything
 * else on the root file system is read-only inside a host (see initScript).
 */
export const OVERLAY_DIRS: readonly string[] = ['etc', 'usr', 'var', 'home', 'opt', 'srv'].filter((d) => existsSync(`/${d}`));
/** Where the host's sshd directory (config, host key, authorized_keys) appears inside it. */
export const SSHD_DIR_INSIDE = '/run/boxfleet/sshd';
export const SSH_PORT = 22;
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface HostLayout {
  name: string;
  ns: string;
  ip: string;
  /** The host's directory in the run dir: sshd/, upper/, work/, logs/. */
  dir: string;
  /** Shared clean root home (lower layer of /root). */
  rootSkel: string;
}

export const upperOf = (h: HostLayout): string => `${h.dir}/upper`;

/** ssh-keygen one ed25519 key pair; returns the public key line without comment. */
export async function makeKey(path: string, comment: string): Promise<string> {
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { timeoutMs: 10_000 });
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * A clean root home for every host: root's ~/.bashrc on this machine runs pyenv (slow,
 * and it puts another python3 first on PATH), and /root holds the machine's own secrets.
 */
export function writeRootSkel(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(`${dir}/.bashrc`, `# boxfleet test host: deliberately minimal.\nexport PATH=${HOST_PATH}\n`);
  writeFileSync(`${dir}/.profile`, '[ -n "$BASH_VERSION" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n');
}

function sshdConfig(h: HostLayout): string {
  return [
    `ListenAddress ${h.ip}:${SSH_PORT}`,
    `HostKey ${SSHD_DIR_INSIDE}/host_key`,
    'PidFile /run/sshd.pid',
    // The harness's file first (one client key per run, any user); the user's own file
    // second, so a deploy test can also install keys the way bootstrap does.
    `AuthorizedKeysFile ${SSHD_DIR_INSIDE}/authorized_keys .ssh/authorized_keys`,
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Deployers fan out over one multiplexed connection; the default 10 is easy to hit.
    'MaxSessions 64',
    'MaxStartups 64',
    '',
  ].join('\n');
}

/** Writes sshd config + keys for a host; returns its public host key line. */
export async function prepareHost(h: HostLayout, clientPub: string): Promise<string> {
  const sshd = `${h.dir}/sshd`;
  for (const d of ['sshd', 'logs', ...OVERLAY_DIRS.map((x) => `upper/${x}`), ...OVERLAY_DIRS.map((x) => `work/${x}`), 'upper/root', 'work/root']) {
    mkdirSync(`${h.dir}/${d}`, { recursive: true });
  }
  writeFileSync(`${sshd}/sshd_config`, sshdConfig(h));
  writeFileSync(`${sshd}/authorized_keys`, `${clientPub} boxfleet-harness\n`);
  return makeKey(`${sshd}/host_key`, `boxfleet-harness-${h.name}`);
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The init script: runs inside the new namespaces, builds the mounts, becomes sshd. */
export function initScript(h: HostLayout): string {
  const up = upperOf(h);
  const overlay = (lower: string, name: string, target: string): string =>
    `mount -t overlay overlay -o ${q(`lowerdir=${lower},upperdir=${up}/${name},workdir=${h.dir}/work/${name}`)} ${target}`;
  return [
    'set -e',
    `hostname ${q(h.name)}`,
    ...OVERLAY_DIRS.map((d) => overlay(`/${d}`, d, `/${d}`)),
    overlay(h.rootSkel, 'root', '/root'),
    // Volatile state: nothing written here survives the host or reaches the machine.
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mount -t tmpfs -o mode=0755 tmpfs /var/log',
    // Bring the sshd directory back (read-only) before /tmp, where the run dir lives, is
    // hidden by the host's own tmpfs: the client's private key never becomes visible.
    `mkdir -p ${SSHD_DIR_INSIDE}`,
    `mount -o bind,ro ${q(`${h.dir}/sshd`)} ${SSHD_DIR_INSIDE}`,
    'mount -t tmpfs -o mode=1777 tmpfs /tmp',
    'mount -t tmpfs -o mode=1777 tmpfs /dev/shm',
    // Per-host identity in the host's /etc (lands in its upper dir); the /etc/hosts line
    // keeps sudo from complaining that it cannot resolve the host name.
    `printf '%s\\n' ${q(h.name)} > /etc/hostname`,
    `printf '127.0.1.1 %s\\n' ${q(h.name)} >> /etc/hosts`,
    // sshd refuses to start without its privilege-separation directory.
    'mkdir -p -m 0755 /run/sshd',
    // Anything not covered above (/, /mnt, /work, ...) becomes read-only for this host
    // only (a bind remount changes this namespace's mount, not the file system), so a
    // stray write fails loudly instead of reaching the machine. The overlays keep
    // writing: they hold their own private clone of the upper dir's mount.
    'mount -o remount,bind,ro /',
    // Global sysctls (kernel.*, vm.*) would change the machine: read-only. net.* is per
    // network namespace, so it stays writable for tests that tune a host's network.
    'mount --bind /proc/sys /proc/sys',
    'mount -o remount,bind,ro /proc/sys',
    'mount --bind /proc/sys/net /proc/sys/net',
    'mount -o remount,bind,rw /proc/sys/net',
    `exec /usr/sbin/sshd -D -e -f ${SSHD_DIR_INSIDE}/sshd_config`,
  ].join('\n');
}

export interface StartedSshd {
  pid: number;
  log: string;
}

/** Starts the host's sshd and waits (bounded) until it accepts TCP on its address. */
export async function startSshd(h: HostLayout, readyTimeoutMs = 10_000): Promise<StartedSshd> {
  const log = `${h.dir}/logs/sshd.log`;
  const fd = openSync(log, 'a');
  const child = spawn(
    'ip',
    ['netns', 'exec', h.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', initScript(h)],
    { stdio: ['ignore', fd, fd], env: { PATH: HOST_PATH, LANG: 'C.UTF-8' }, cwd: '/' },
  );
  closeSync(fd);
  // The host must not keep the test process alive; teardown kills it by PID.
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `exited ${code ?? sig}`));
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', reject);
  });
  const ok = await waitForPort(h.ip, SSH_PORT, readyTimeoutMs, () => exited !== undefined);
  if (!ok) {
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-10).join('\n');
    throw new Error(`boxfleet harness: sshd of ${h.name} ${exited ?? 'did not listen in time'}:\n${tail}`);
  }
  return { pid, log };
}
