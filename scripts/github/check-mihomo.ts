// The mihomo half of `fleet check-configs`: the real `mihomo -t` on every rendered
// mihomo.yaml, each in a throwaway home directory (mihomo writes its cache there).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { CheckResult } from './check-configs.ts';
import { childEnv } from '../core/child-env.ts';

const run = promisify(execFile);

/** build/users/<user>/mihomo.yaml, sorted. */
export function renderedMihomoProfiles(build: string): string[] {
  const d = join(build, 'users');
  if (!existsSync(d)) return [];
  return readdirSync(d).sort().map((n) => join(d, n, 'mihomo.yaml')).filter((f) => existsSync(f));
}

/** `mihomo -v`'s first line, or undefined when the binary does not run. */
export function mihomoVersion(bin: string): string | undefined {
  try { return execFileSync(bin, ['-v'], { env: childEnv(), encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim(); } catch { return undefined; }
}

export async function checkMihomoProfile(bin: string, file: string, build: string): Promise<CheckResult> {
  const rel = relative(build, file);
  const home = mkdtempSync(join(tmpdir(), 'boxfleet-mihomo-'));
  try {
    const { stdout } = await run(bin, ['-t', '-d', home, '-f', file], { env: childEnv(), timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
    return /test is successful/.test(stdout) ? { file: rel, ok: true, message: 'ok' } : { file: rel, ok: false, message: 'mihomo did not report success' };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    // mihomo logs the reason as level=error lines; keep those, without the temp home's path.
    const lines = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.split('\n').filter((l) => /level=(error|fatal)|error|failed/i.test(l));
    const text = (lines.length ? lines : [err.message]).slice(0, 5).join(' | ').split(file).join(rel).split(home).join('');
    return { file: rel, ok: false, message: text };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
