// The README's command lines that need nodes, in the order an operator runs them on the
// demo fleet (#15). test/real/readme-fleet.test.ts runs each one exactly as the README
// prints it (after `npm run fleet -- `), against harness hosts shaped like the demo's
// nodes; test/workflows/readme-commands.test.ts counts these lines as proven there.

export interface PathStep {
  /** The README's words after `npm run fleet -- `, without its comment. */
  line: string;
  /** The exit the README promises, when it is not 0. */
  code?: number;
  /** What the output must say. */
  says?: RegExp;
  /** Runs as a self-hosted vantage: its signing key, no FLEET_SECRET. */
  vantage?: boolean;
}

/** Before the nodes: README "From zero to a live fleet", step 5 (with the node's own address and host key). */
export const ADD_NODE = 'node add osaka-1 --address 203.0.113.40 --region asia-east --country JP --host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xeDIdUvmtHQzWr72nhg7E6Y75xgaZewAllXm5Uwr4" --inbound vless-reality:443 --handshake-server www.example.com';

export const NODE_PATH: PathStep[] = [
  // The first run logs in as root (ssh.bootstrap_user) with the key it is given.
  { line: 'bootstrap osaka-1 --identity boxfleet_deploy', says: /osaka-1/ },
  // Later runs go through the deploy user and change nothing.
  { line: 'bootstrap osaka-1 --identity ~/.ssh/boxfleet_deploy', says: /no change/ },
  { line: 'bootstrap tokyo-1 --identity ~/.ssh/boxfleet_deploy', says: /tokyo-1/ },
  { line: 'bootstrap osaka-1 --as-root --identity ~/.ssh/boxfleet_root' },
  { line: 'bootstrap tokyo-1 --as-root --identity ~/.ssh/boxfleet_root' },
  { line: 'deploy --nodes tokyo-1 --dry-run', says: /tokyo-1/ },
  { line: 'deploy', says: /4 deployed/ },
  { line: 'drift --format md', says: /4 in sync/ },
  { line: 'probe', says: /osaka-1/ },
  { line: 'probe --vantage github --out build/probe-run.json' },
  { line: 'probe manifest --out probe-manifest.json' },
  { line: 'probe --manifest probe-manifest.json --vantage home-cn --out run.json', vantage: true },
  { line: 'status push --run build/probe-run.json' },
  { line: 'status merge uploads/*.json' },
  { line: 'status pull --out build/status' },
  { line: 'status changed --before build/status-before --after build/status' },
  { line: 'site --status build/status' },
  { line: 'site --out build/site --status build/status' },
  { line: 'recovery --status build/status' },
  { line: 'recovery --status build/status --record' },
  { line: 'incidents --status build/status --dry-run --format json' },
  { line: 'usage --status build/status --month 2026-12' },
  { line: 'usage --status build/status' },
  { line: 'status compact --max-bytes 20000000' },
  { line: 'render' },
  { line: 'singbox install --dir .bin --add-to-path' },
  { line: 'check-configs --singbox .bin/sing-box' },
];
