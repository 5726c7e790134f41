// Child process of bench/deploy.ts: where a fresh `fleet deploy` process spends the time
// before its first ssh call. Prints one JSON line of milliseconds since the process started.
// Usage: node --import tsx bench/deploy/startup.ts FLEET_ROOT SECRET NOW
import { performance } from 'node:perf_hooks';

const atEntry = performance.now(); // node + tsx start-up, this module transpiled and loaded
const [root, secret, now] = process.argv.slice(2) as [string, string, string];
const when = new Date(now);
const t0 = performance.now();
const { loadFleet } = await import('../../scripts/model/load.ts');
const { CredentialStore } = await import('../../scripts/secrets/index.ts');
const { renderNodeConfigs } = await import('../../scripts/render/server/index.ts');
await import('../../scripts/deploy/deploy.ts');
const t1 = performance.now();
const fleet = loadFleet(root, when).fleet!;
const t2 = performance.now();
const store = new CredentialStore(Buffer.from(secret), fleet.settings.epoch);
const configs = renderNodeConfigs(fleet, store, when);
const t3 = performance.now();
console.log(JSON.stringify({ startup: atEntry, imports: t1 - t0, load: t2 - t1, render: t3 - t2, nodes: configs.size, total: t3 }));
