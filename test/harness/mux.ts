// SSH ControlMasters that outlive the command which started them (deploy.ssh_persist), found
// by their sockets in one folder and stopped by PID, so a test leaves no ssh process behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, run } from './proc.ts';

export interface MuxMaster { socket: string; pid: number }

/** The live masters whose sockets are in `dir` (`ssh -O check` names each one's PID). */
export async function muxMasters(dir: string): Promise<MuxMaster[]> {
  let names: string[] = [];
  // `cm-<hash>`: kept between runs (deploy.ssh_persist); `cm`: one session's own master.
  try { names = readdirSync(dir).filter((n) => n === 'cm' || n.startsWith('cm-')); } catch { return []; }
  const out: MuxMaster[] = [];
  for (const name of names) {
    const socket = join(dir, name);
    const r = await run('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'mux'], { timeoutMs: 10_000 });
    const pid = Number(/pid=(\d+)/.exec(r.stderr)?.[1] ?? 0);
    if (pid > 0) out.push({ socket, pid });
  }
  return out;
}

/** Stops every master in `dir` (asks, then kills what is still alive after 5 s) and removes it. */
export async function stopMuxMasters(dir: string): Promise<void> {
  const masters = await muxMasters(dir);
  for (const m of masters) await run('ssh', ['-F', '/dev/null', '-o', `ControlPath=${m.socket}`, '-O', 'exit', 'mux'], { timeoutMs: 10_000 });
  for (const m of masters) {
    for (let i = 0; i < 100 && isAlive(m.pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(m.pid)) try { process.kill(m.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A folder to put first on a command's PATH: its `ssh` writes one line per start to a log
 * and then runs the real client, so a test can count the ssh clients a run started.
 */
export function sshSpy(dir: string): { bin: string; starts(): string[] } {
  const bin = join(dir, 'spy-bin');
  const log = join(dir, 'ssh-starts.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/ssh "$@"\n`, { mode: 0o755 });
  return { bin, starts: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}
