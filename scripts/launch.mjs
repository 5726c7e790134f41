// `npm run fleet`: runs the bundle `npm run build` wrote (.build/fleet.mjs) when it is newer
// than every file it was made from (.build/inputs.json), and the TypeScript through tsx
// otherwise (slower to start, always current). Either way the same main() runs with the
// same arguments.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const bundle = join(root, '.build', 'fleet.mjs');

/** True when the bundle exists and none of its inputs changed since (an input gone: stale). */
function bundleIsCurrent() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, '.build', 'inputs.json'), 'utf8'));
    return Array.isArray(inputs) && inputs.every((f) => statSync(join(root, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** BOXFLEET_LAUNCH_SAY=1: say on stderr which one runs (tests, and anyone who wonders). */
const say = (text) => { if (process.env.BOXFLEET_LAUNCH_SAY === '1') process.stderr.write(`launch: ${text}\n`); };

async function loadMain() {
  if (bundleIsCurrent()) {
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
