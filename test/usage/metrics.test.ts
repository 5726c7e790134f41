// #18 item 5: with monitoring.per_user_metrics the node's metrics script exports each user's
// bytes from the usage ledger (a rotation's ~prev entry added to its user, names that are
// no user names dropped, never written into a label), and without it nothing per user.
// The real script, on a harness host, with nftables and jq; the alert on these series is
// in test/monitoring (promtool test rules).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useHosts } from '../harness/index.ts';
import { loadFleet } from '../../scripts/model/load.ts';
import { metricsConf } from '../../scripts/monitoring/node-files.ts';
import type { Fleet } from '../../scripts/model/types.ts';

const REPO = join(import.meta.dirname, '..', '..');

const SCRIPT = join(REPO, 'scripts/monitoring/node/boxfleet-metrics');

describe('per-user metrics from the usage ledger, on a real node', () => {
  const hosts = useHosts(1);
  const env = {
    BOXFLEET_METRICS_CONF: '/root/metrics.conf', BOXFLEET_METRICS_OUT: '/root/out/boxfleet.prom', BOXFLEET_USAGE_LEDGER: '/root/usage.json',
    BOXFLEET_SINGBOX_CONFIG: '/root/none.json', BOXFLEET_MARKER: '/root/none-marker.json', BOXFLEET_NODE_CMD: '/nonexistent', BOXFLEET_METRICS_STATE: '/root/state',
  };
  const ledger = {
    ledger: '0123456789abcdef', seq: 3, acked: 3, process: '1:1', base: {},
    totals: {
      alice: { up: 100, down: 1000 }, 'alice~prev': { up: 5, down: 7 }, bob: { up: 1, down: 2 },
      'evil"} 1\nboxfleet_singbox_up{node="x': { up: 9, down: 9 }, carol: { up: 'lots', down: 1 },
    },
  };
  async function run(perUser: 0 | 1): Promise<string> {
    const h = hosts().hosts[0]!;
    await h.put('/root/metrics.conf', `INBOUNDS="trojan-443:443:tcp"\nMONITOR_ADDRESS=""\nEXPORTER_PORT=9100\nPER_USER_METRICS=${perUser}\n`);
    await h.put('/root/usage.json', JSON.stringify(ledger), '0600');
    // Copied onto the host: the checkout may live where a test host cannot see (its /tmp is its own).
    await h.put('/root/boxfleet-metrics', readFileSync(SCRIPT), '0755');
    await h.exec(['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'bash', '/root/boxfleet-metrics'], { check: true, timeoutMs: 20_000 });
    return (await h.exec(['cat', env.BOXFLEET_METRICS_OUT], { check: true })).stdout;
  }

  it('exports each user\'s bytes as counters, ~prev added to its user, hostile names and values dropped', async () => {
    const prom = await run(1);
    const lines = prom.split('\n').filter((l) => l.startsWith('boxfleet_user_bytes_total'));
    expect(lines.sort()).toEqual([
      'boxfleet_user_bytes_total{user="alice",direction="down"} 1007',
      'boxfleet_user_bytes_total{user="alice",direction="up"} 105',
      'boxfleet_user_bytes_total{user="bob",direction="down"} 2',
      'boxfleet_user_bytes_total{user="bob",direction="up"} 1',
    ]);
    expect(prom).toContain('# TYPE boxfleet_user_bytes_total counter');
    expect(prom).not.toMatch(/evil|carol/);
  });

  it('exports nothing per user unless monitoring.per_user_metrics turns it on', async () => {
    expect(await run(0)).not.toMatch(/boxfleet_user_bytes_total/);
  });

  it('the node\'s generated metrics.conf turns it on from fleet.yaml monitoring.per_user_metrics, and only then', () => {
    const fleet = loadFleet(REPO, new Date('2026-11-26T12:00:00Z')).fleet!;
    const node = fleet.nodes[0]!;
    const withMonitoring = (perUser: boolean): Fleet => ({ ...fleet, settings: { ...fleet.settings, monitoring: { address: '192.0.2.1', ssh: node.ssh, per_user_metrics: perUser } } });
    expect(metricsConf(fleet, node)).toMatch(/^PER_USER_METRICS=0$/m);
    expect(metricsConf(withMonitoring(false), node)).toMatch(/^PER_USER_METRICS=0$/m);
    expect(metricsConf(withMonitoring(true), node)).toMatch(/^PER_USER_METRICS=1$/m);
  });
});
