// `npm run build`: bundles the CLI (and the site's worker) with esbuild into .build/, so a
// run starts without compiling TypeScript (tsx costs ~0.3 s before the first line runs).
// Packages stay in node_modules (but yaml, below); data files (schemas, templates, node scripts) are read
// from the project at run time. Never committed; `npm run fleet` (scripts/launch.mjs)
// falls back to tsx when the bundle is missing or older than any source file.
// Options: --outdir DIR (inside the project; tests build a private copy).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const i = process.argv.indexOf('--outdir');
const outdir = i > 0 ? resolve(process.argv[i + 1]) : join(root, '.build');
if (!outdir.startsWith(root + '/')) {
  process.stderr.write(`--outdir must be inside ${root} (the bundle finds the project's files from there)\n`);
  process.exit(2);
}
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
// Packages stay in node_modules, except the ones every fleet run loads: `yaml` is ~80 small
// CommonJS files that Node resolves and reads one by one (40 ms); bundled, 17 ms.
const BUNDLED = new Set(['yaml']);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED.has(n)).flatMap((n) => [n, `${n}/*`]);
const result = await build({
  absWorkingDir: root,
  metafile: true,
  entryPoints: { fleet: 'scripts/fleet.ts', 'user-worker': 'scripts/site/user-worker.ts', 'schema-validators': 'scripts/model/schema-validators.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Bundled CommonJS (yaml) asks for Node's built-ins with require(), which ESM lacks.
  banner: { js: "import { createRequire as __boxfleetRequire } from 'node:module'; const require = __boxfleetRequire(import.meta.url);" },
  outExtension: { '.js': '.mjs' },
  // Flat: code that finds a sibling (the site worker) must find it from any chunk.
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
// Every file the bundle was made from: scripts/launch.mjs runs the bundle only while none
// of them is newer (statting these is cheaper than walking scripts/ on every run).
// A bundled package changes only with an npm install, which rewrites npm's own record of
// node_modules: that one file stands for the package's files (yaml: 72 stats fewer per run).
const installed = 'node_modules/.package-lock.json';
const sources = Object.keys(result.metafile.inputs);
const packages = existsSync(join(root, installed)) ? [installed] : sources.filter((f) => f.startsWith('node_modules/'));
writeFileSync(join(outdir, 'inputs.json'), JSON.stringify([...sources.filter((f) => !f.startsWith('node_modules/')), ...packages].sort()) + '\n');
// The model's validators as standalone code: no schema compiled on a run (schema-validators.ts).
const { standaloneValidators, PRECOMPILED } = await import(pathToFileURL(join(outdir, 'schema-validators.mjs')).href);
writeFileSync(join(outdir, PRECOMPILED), standaloneValidators());
process.stdout.write(`built ${outdir.slice(root.length + 1)}/fleet.mjs\n`);
