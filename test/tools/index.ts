// Where the real programs built by test/tools/build.sh live, for tests and benchmarks.
// A missing binary is an error that names the command to build it, never a skip: a
// suite that silently skips its real component proves nothing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;

export interface ToolVersions {
  singbox: { pinned: string; newest: string };
  mihomo: string;
  pebble: string;
  seaweedfs: string;
}

export const TOOL_VERSIONS: ToolVersions = JSON.parse(readFileSync(join(here, 'versions.json'), 'utf8'));

export const TOOLS_DIR = process.env.BOXFLEET_TOOLS || join(homedir(), '.cache', 'boxfleet-tools');

function tool(folder: string, file: string): string {
  const path = join(TOOLS_DIR, folder, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: build the test tools with \`bash test/tools/build.sh\``);
  return path;
}

/** The sing-box binary of a version built by build.sh (default: the fleet's pinned one). */
export const singboxBin = (version = TOOL_VERSIONS.singbox.pinned): string => tool(`sing-box-${version}`, 'sing-box');
/**
 * The stats build (#18) as scripts/usage/build-stats.sh made it for build.sh: the tarball a
 * fleet publishes (sing-box with with_v2ray_api + boxfleet-usage), and both unpacked.
 */
export function statsBuild(version = TOOL_VERSIONS.singbox.pinned): { dir: string; tarball: string; sha256: string; singbox: string; helper: string } {
  const src = join(here, '..', '..', 'scripts', 'usage');
  const key = createHash('sha256').update(readFileSync(join(src, 'build-stats.sh'))).update(readFileSync(join(src, 'node-helper', 'go.mod')))
    .update(readFileSync(join(src, 'node-helper', 'main.go'))).digest('hex').slice(0, 12);
  const folder = `sing-box-${version}-stats-${key}`;
  return {
    dir: join(TOOLS_DIR, folder),
    tarball: tool(folder, `sing-box-${version}-linux-amd64.tar.gz`),
    sha256: readFileSync(tool(folder, 'sha256'), 'utf8').trim(),
    singbox: tool(folder, 'sing-box'),
    helper: tool(folder, 'boxfleet-usage'),
  };
}
/** The stats build's sing-box (release tags + with_v2ray_api): per-user byte counters. */
export const singboxStatsBin = (): string => statsBuild().singbox;
/** Both sing-box versions every config must pass: the fleet's pin and the newest release. */
export const SINGBOX_VERSIONS: readonly string[] = [TOOL_VERSIONS.singbox.pinned, TOOL_VERSIONS.singbox.newest];
export const mihomoBin = (): string => tool(`mihomo-${TOOL_VERSIONS.mihomo}`, 'mihomo');
export const pebbleBin = (): string => tool(`pebble-${TOOL_VERSIONS.pebble}`, 'pebble');
export const challtestsrvBin = (): string => tool(`pebble-${TOOL_VERSIONS.pebble}`, 'pebble-challtestsrv');
/** Pebble's own HTTPS is signed by this minica root (test data of its module). */
export const pebbleMinicaRoot = (): string => tool(`pebble-${TOOL_VERSIONS.pebble}`, 'pebble.minica.pem');
/** SeaweedFS's one binary: master, volume, filer and the S3 gateway of the publish tests. */
export const weedBin = (): string => tool(`seaweedfs-${TOOL_VERSIONS.seaweedfs}`, 'weed');
export const pebbleDir = (): string => join(TOOLS_DIR, `pebble-${TOOL_VERSIONS.pebble}`);
