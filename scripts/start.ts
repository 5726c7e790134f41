// `npm start`: the demo fleet's site, built with the public demo secret and served on
// loopback, so a fresh clone shows what users get. It probes and deploys nothing.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { waitForPort } from './core/net.ts';
import { loadFleet } from './model/load.ts';
import { errorsOf, formatDiagnostic } from './model/diagnostics.ts';
import { loadMasterSecret } from './secrets/index.ts';
import { buildSite } from './site/build.ts';

const root = resolve(process.env.FLEET_ROOT ?? process.cwd());
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`npm start: PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;

async function main(): Promise<void> {
  const now = new Date();
  const loaded = loadFleet(root, now);
  if (!loaded.fleet) {
    for (const d of errorsOf(loaded.diagnostics)) console.error(formatDiagnostic(d));
    process.exit(1);
  }
  // Always the demo secret, even when FLEET_SECRET is set: this preview must never hold
  // real credentials, and its banner says so.
  const secret = loadMasterSecret({}, { purpose: 'preview' });
  const out = join(root, 'build', 'site');
  const site = await buildSite(loaded.fleet, secret, now, { outDir: out, baseUrl: origin, warn: (m) => console.error(m) });

  const bin = join(root, 'node_modules', '.bin', 'http-server');
  // The server binary itself, not npx: killing npx would leave the server running.
  const server = spawn(bin, [out, '-a', '127.0.0.1', '-p', String(port), '-c-1', '--silent'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const stop = (signal: NodeJS.Signals) => { if (server.exitCode === null) server.kill(signal); };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
  if (!(await waitForPort('127.0.0.1', port, 10_000, () => server.exitCode !== null))) {
    throw new Error(server.exitCode !== null ? 'http-server exited before listening' : `http-server did not listen on 127.0.0.1:${port}`);
  }

  const width = Math.max(...site.links.map((l) => l.user.length), 4);
  console.log([
    `boxfleet demo site (DEMO secret: nothing here connects anywhere) at ${origin}/`,
    'Users\' pages (the links you would send):',
    ...site.links.map((l) => `  ${l.user.padEnd(width)}  ${l.url}`),
    `Status page: ${origin}/status/`,
    'Press Ctrl+C to stop.',
  ].join('\n'));
}

main().catch((e: Error) => {
  console.error(`npm start: ${e.message}`);
  process.exit(1);
});
