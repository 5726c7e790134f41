// Root-namespace processes of the live monitoring tests (Prometheus, Alertmanager,
// blackbox_exporter): started with their PIDs kept, stopped by PID, logs in a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { sleep } from '../harness/proc.ts';
import { freePort } from '../harness/tcp.ts';

export interface Proc { name: string; pid: number; log: string; child: ChildProcess }

export { freePort };

export async function startProc(name: string, argv: string[], logDir: string): Promise<Proc> {
  const log = `${logDir}/${name}.log`;
  const fd = openSync(log, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  closeSync(fd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', reject);
  });
  return { name, pid, log, child };
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
export async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export function logOf(p: Proc | undefined): string {
  try { return p ? readFileSync(p.log, 'utf8').slice(-3000) : ''; } catch { return ''; }
}

/** Polls fn until it returns a value (not undefined) or the deadline passes. */
export async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    await sleep(250);
  }
  throw new Error(`no ${what} within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

export async function getJson(url: string): Promise<any> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return r.json();
}
