// `fleet singbox install`: puts a pinned sing-box release on a runner, for `check-configs`
// and the probe's deep layers. A release is installed only when its SHA-256 matches a pin
// (the option, or fleet.yaml for the fleet's own version): a runner never runs an
// unverified binary, and nothing is written when the check fails.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireFleet } from '../model/require.ts';
import { EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { downloadPinned, releaseUrl } from '../deploy/release.ts';
import { addSummary } from './summary.ts';
import { childEnv } from '../core/child-env.ts';

const VERSION = /^\d+\.\d+\.\d+(-[A-Za-z0-9.]+)?$/;

type Arch = 'amd64' | 'arm64';

function hostArch(): Arch {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  throw new UsageError(`no sing-box release for this machine (${process.arch}): pass --arch amd64|arm64`);
}

interface Wanted { version: string; arch: Arch; sha256: string; source: string }

function wanted(ctx: CommandContext, args: ParsedArgs): Wanted {
  const arch = (args.options.arch as string | undefined) ?? hostArch();
  if (arch !== 'amd64' && arch !== 'arm64') throw new UsageError(`--arch must be amd64 or arm64, not "${arch}"`);
  let version = args.options.version as string | undefined;
  let sha256 = (args.options.sha256 as string | undefined)?.toLowerCase();
  if (version === '') throw new UsageError('--version is empty: set the version to install (e.g. 1.13.0)');
  if (sha256 === '') throw new UsageError('--sha256 is empty: pin the checksum of the release tarball from its release page');
  if (version !== undefined && !VERSION.test(version)) throw new UsageError(`--version must look like 1.12.3, not "${version}"`);
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw new UsageError('--sha256 must be 64 hexadecimal digits');
  if (sha256 && version) return { version, arch, sha256, source: '--sha256' };
  // Without both options, the fleet's pin decides; it only vouches for the fleet's version.
  const pinned = requireFleet(ctx, { quiet: true }).settings.singbox;
  version ??= pinned.version;
  if (sha256) return { version, arch, sha256, source: '--sha256' };
  if (version !== pinned.version) throw new OperationError(`no checksum pinned for sing-box ${version}: fleet.yaml pins only ${pinned.version}; pass --sha256 HEX from the release page`);
  const pin = pinned.sha256[arch];
  if (!pin) throw new OperationError(`fleet.yaml pins no sha256 for sing-box ${version} on ${arch}: add singbox.sha256.${arch} from the release page, or pass --sha256`);
  return { version, arch, sha256: pin, source: `fleet.yaml singbox.sha256.${arch}` };
}

/** Finds the one regular file named sing-box in the unpacked release (it sits in a versioned folder). */
function findBinary(dir: string): string | undefined {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) { const hit = findBinary(p); if (hit) return hit; } else if (st?.isFile() && name === 'sing-box') return p;
  }
  return undefined;
}

export async function runSingboxInstall(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const dirOpt = args.options.dir as string | undefined;
  if (!dirOpt) throw new UsageError('--dir DIR is required (where the sing-box binary goes)');
  const w = wanted(ctx, args);
  const url = releaseUrl(requireFleet(ctx, { quiet: true }).settings, w.version, w.arch);
  const data = await downloadPinned(url, w.sha256, `sing-box ${w.version} (${w.arch}), pinned by ${w.source},`, ctx.env);

  const dir = resolve(dirOpt);
  // Unpack in a private temp folder and take only the binary: the tarball decides nothing
  // about where files land in DIR.
  const work = mkdtempSync(join(tmpdir(), 'boxfleet-singbox-'));
  try {
    try {
      execFileSync('tar', ['-xzf', '-', '-C', work, '--no-same-owner', '--no-same-permissions'], { env: childEnv(), input: data, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
    } catch (e) { throw new OperationError(`cannot unpack sing-box ${w.version}: ${String((e as { stderr?: Buffer }).stderr ?? '').trim() || 'tar failed'}`); }
    const bin = findBinary(work);
    if (!bin) throw new OperationError(`the sing-box ${w.version} tarball holds no sing-box binary`);
    mkdirSync(dir, { recursive: true });
    const target = join(dir, 'sing-box');
    copyFileSync(bin, `${target}.new`);
    chmodSync(`${target}.new`, 0o755);
    renameSync(`${target}.new`, target);
    let reported = '';
    try { reported = execFileSync(target, ['version'], { env: childEnv(), encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim(); } catch {
      rmSync(target, { force: true });
      throw new OperationError(`the installed sing-box ${w.version} does not run on this machine (wrong --arch?); removed it`);
    }
    if (args.options['add-to-path'] && ctx.env.GITHUB_PATH) appendFileSync(ctx.env.GITHUB_PATH, `${dir}\n`);
    ctx.io.out(`installed ${target}: ${reported} (sha256 verified against ${w.source})`);
    addSummary(ctx, `### sing-box ${w.version}\n\nInstalled \`${reported}\` (${w.arch}), SHA-256 verified against ${w.source}.\n`);
    return EXIT.ok;
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (existsSync(join(dir, 'sing-box.new'))) rmSync(join(dir, 'sing-box.new'), { force: true });
  }
}
