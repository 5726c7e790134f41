// Commands of the probe stage (metadata + lazy imports).
import type { Command } from '../types.ts';

export const commands: Command[] = [
  {
    name: 'probe',
    summary: 'check every inbound of every enabled node: TCP, TLS, then an HTTP GET through the proxy as the probe user',
    options: [
      { name: 'nodes', value: 'a,b', help: 'only these nodes' },
      { name: 'vantage', value: 'NAME', help: 'which fleet.yaml probe.vantages entry this run is (default: the first)' },
      { name: 'timeout', value: 'DURATION', help: 'bound of every step (default: probe.timeout)' },
      { name: 'concurrency', value: 'N', help: 'checks at once (default 32)' },
      { name: 'out', value: 'FILE', help: 'write the run (status-store runs/ format) to FILE' },
      { name: 'manifest', value: 'FILE', help: 'read targets from a probe manifest: no FLEET_SECRET needed' },
      { name: 'exit-code', help: 'exit 3 when a node (not in maintenance) is down or degraded' },
    ],
    formats: ['text', 'json'],
    examples: [
      'npm run fleet -- probe --vantage github --out build/run.json',
      'npm run fleet -- probe --manifest probe-manifest.json --vantage home-cn --exit-code',
    ],
    details: 'Layers: tcp (connect), tls (SNI, expiry, pinned certificate), proxy (Trojan, VLESS-WS, VMess-WS by the project\'s own clients; Reality, Shadowsocks 2022, Hysteria2 and TUIC through a `sing-box` binary on PATH, else "not-probed"). Error classes: refused, timeout, tls-error, auth-rejected-or-silent, bad-response, not-probed. A host whose first connect times out costs one timeout: its other inbounds are marked "timeout (host unreachable)". BOXFLEET_PROBE_CA_FILE adds a trusted CA.',
    run: async (ctx, args) => (await import('../../probe/run.ts')).runProbe(ctx, args),
  },
  {
    name: 'probe manifest',
    summary: 'write the probe manifest (probe user credentials per node and inbound) for probes that hold no FLEET_SECRET',
    options: [{ name: 'out', value: 'FILE', help: 'where to write it (mode 0600)' }],
    examples: ['FLEET_SECRET=... npm run fleet -- probe manifest --out probe-manifest.json'],
    details: 'Needs FLEET_SECRET. Made with the demo secret, the file says `demo: true`. The nodes let the probe user reach only the probe URL, so the file opens nothing else; still keep it out of Git.',
    run: async (ctx, args) => (await import('../../probe/run.ts')).runManifest(ctx, args),
  },
  {
    name: 'probe vantage-key',
    summary: "print the signing key of a self-hosted vantage (on your machine, never in CI); status merge accepts that vantage's runs only with it",
    args: '<VANTAGE>',
    options: [],
    examples: ['npm run -s fleet -- probe vantage-key home-cn | gh secret set BOXFLEET_VANTAGE_KEY --env vantage-home-cn'],
    details: 'Needs FLEET_SECRET. The key is HMAC-SHA256(FLEET_SECRET, "vantage-key|v1|<epoch>|<vantage>"): one vantage\'s key signs only that vantage\'s runs. The probe on the vantage reads it from BOXFLEET_VANTAGE_KEY; the probe manifest stays keyless. Refused when GITHUB_ACTIONS or CI is true.',
    run: async (ctx, args) => (await import('../../probe/run.ts')).runVantageKey(ctx, args),
  },
];
