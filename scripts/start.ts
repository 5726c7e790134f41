// `npm start`: the demo fleet's site, built with the public demo secret and served on
// loopback, so a fresh clone shows what users get. It probes and deploys nothing. The
// server (http-server's library) runs in this process, so a busy port is known before
// anything is printed. The clock is pinned for the demo fleet, whose story (an expired
// user, a rotation inside its grace period) is written in absolute dates.
import { createServer } from 'http-server';
import { join, resolve } from 'node:path';
import { loadFleet } from './model/load.ts';
import { errorsOf, formatDiagnostic } from './model/diagnostics.ts';
import { loadMasterSecret } from './secrets/index.ts';
import { buildSite } from './site/build.ts';
import { DEMO_CLOCK, isDemoFleet } from './site/demo.ts';

const root = resolve(process.env.FLEET_ROOT ?? process.cwd());
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`npm start: PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;

async function main(): Promise<void> {
  // The demo fleet (fleet.yaml `name: demo`) runs on its own day; any other fleet on the real clock.
  const demoFleet = isDemoFleet(root);
  const now = demoFleet ? new Date(DEMO_CLOCK) : new Date();
  const loaded = loadFleet(root, now);
  if (!loaded.fleet) {
    for (const d of errorsOf(loaded.diagnostics)) console.error(formatDiagnostic(d));
    process.exit(1);
  }
  const out = join(root, 'build', 'site');
  const server = createServer({ root: out, cache: -1, showDir: 'false', logFn: () => undefined });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      console.error(`npm start: port ${port} on 127.0.0.1 is ${e.code === 'EADDRINUSE' ? 'in use by another program' : 'not open to this user'} — pick another: PORT=${port === 8080 ? 8081 : 8080} npm start`);
      process.exit(1);
    }
    throw e;
  });
  const stop = () => { server.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  // Built once the port is ours: a busy port writes nothing. Always the demo secret, even
  // when FLEET_SECRET is set: this preview must never hold real credentials (its banner says so).
  const secret = loadMasterSecret({}, { purpose: 'preview' });
  const site = await buildSite(loaded.fleet, secret, now, { outDir: out, baseUrl: origin, warn: (m) => console.error(m) });

  const width = Math.max(...site.links.map((l) => l.user.length), 4);
  console.log([
    `boxfleet demo site (DEMO secret: nothing here connects anywhere) at ${origin}/`,
    ...(demoFleet ? [`Clock pinned to ${DEMO_CLOCK} for the demo fleet's dates (carol expired, frank inside his rotation's grace period).`] : []),
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
