// `npm run fleet`: runs the bundle `npm run build` wrote (.build/fleet.mjs) when it is newer
// than every source file under scripts/, and the TypeScript through tsx otherwise (slower
// to start, always current). Either way the same main() runs with the same arguments.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const bundle = join(root, '.build', 'fleet.mjs');

function newestSource() {
  let newest = 0;
  for (const e of readdirSync(join(root, 'scripts'), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** BOXFLEET_LAUNCH_SAY=1: say on stderr which one runs (tests, and anyone who wonders). */
const say = (text) => { if (process.env.BOXFLEET_LAUNCH_SAY === '1') process.stderr.write(`launch: ${text}\n`); };

async function loadMain() {
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource()) {
    say('.build/fleet.mjs');
    return (await import(pathToFileURL(bundle).href)).main;
  }
  say('tsx (.build/fleet.mjs is missing or older than scripts/)');
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(pathToFileURL(join(root, 'scripts', 'fleet.ts')).href)).main;
}

const main = await loadMain();
const io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };
process.exitCode = await main(process.argv.slice(2), io);
