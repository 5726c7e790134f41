// Health-aware order, the public status page, and the _headers rule limit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { profileOrder, rankNodes } from '../../scripts/site/health-order.ts';
import { readStatus } from '../../scripts/site/status-adapter.ts';
import { build, listFiles, load, makeFleet, removeAll, SECRET_A, secretOf, STATUS_FIXTURE, tempDir } from './helpers.ts';

const dirs: string[] = [];
const temp = (p: string) => { const d = tempDir(p); dirs.push(d); return d; };
afterAll(() => removeAll(...dirs));

const cnVantage = { probe: { vantages: [{ name: 'github', region: 'us' }, { name: 'home-cn', region: 'cn', self_hosted: true }] } };

describe('health-aware order', () => {
  it('puts healthy nodes first, by latency from the user region, and demotes down nodes', () => {
    const fleet = load(makeFleet(temp('f'), { settings: cnVantage }));
    const status = readStatus(STATUS_FIXTURE, fleet);
    const cn = fleet.users.find((u) => u.name === 'cobalt-lynx')!; // region cn: home-cn latencies
    expect(profileOrder(rankNodes(fleet, cn, status))).toEqual(['singapore-1', 'frankfurt-1', 'tokyo-1']);
    const none = fleet.users.find((u) => u.name === 'maple-heron')!; // no region: model order within a rank
    expect(profileOrder(rankNodes(fleet, none, status))).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
    expect(profileOrder(rankNodes(fleet, none))).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
  });

  it('drops down nodes with down_nodes: drop, but never all of them', () => {
    const fleet = load(makeFleet(temp('f'), { settings: { ...cnVantage, subscription: { down_nodes: 'drop' } } }));
    const status = readStatus(STATUS_FIXTURE, fleet);
    const cn = fleet.users.find((u) => u.name === 'cobalt-lynx')!;
    expect(profileOrder(rankNodes(fleet, cn, status))).toEqual(['singapore-1', 'frankfurt-1']);
    const allDown = { ...status, nodes: Object.fromEntries(Object.entries(status.nodes).map(([k, v]) => [k, { ...v, state: 'down' as const }])) };
    expect(profileOrder(rankNodes(fleet, cn, allDown))).toHaveLength(3);
  });

  it('the built profile follows the order and leaves dropped nodes out', async () => {
    const root = makeFleet(temp('f'), { settings: { ...cnVantage, subscription: { down_nodes: 'drop' } } });
    const out = join(temp('o'), 'site');
    const fleet = load(root);
    await build(root, out, { secret: SECRET_A, status: readStatus(STATUS_FIXTURE, fleet) });
    const token = new CredentialStore(secretOf(SECRET_A).secret, 1).user('cobalt-lynx', 1).token;
    const mihomo = YAML.parse(readFileSync(join(out, 's', token, 'mihomo.yaml'), 'utf8'), { merge: true });
    const names: string[] = mihomo.proxies.map((p: { name: string }) => p.name);
    expect(names.some((n) => n.startsWith('Tokyo 1'))).toBe(false);
    expect(names.findIndex((n) => n.startsWith('Singapore 1'))).toBeLessThan(names.findIndex((n) => n.startsWith('Frankfurt 1')));
    // The page (zh-CN by the user's language) still lists the down node, last, as down.
    const page = readFileSync(join(out, 's', token, 'index.html'), 'utf8');
    expect(page).toContain('<html lang="zh-CN">');
    expect(page.indexOf('Singapore 1')).toBeLessThan(page.indexOf('Tokyo 1'));
    expect(page).toMatch(/s-down"><span class="title">Tokyo 1/);
  });
});

describe('status page', () => {
  it('shows state and a drawn latency chart, and no address, port or protocol', async () => {
    const root = makeFleet(temp('f'), { settings: cnVantage });
    const out = join(temp('o'), 'site');
    await build(root, out, { secret: SECRET_A, status: readStatus(STATUS_FIXTURE, load(root)) });
    const html = readFileSync(join(out, 'status', 'index.html'), 'utf8');
    expect(html).toMatch(/s-down">\s*<div class="row"><span class="title">Tokyo 1/);
    expect(html).toContain('<polyline');
    expect(html).toContain('2026-11-26 11:45 UTC');
    for (const bad of ['203.0.113.', 'example.com', 'Reality', 'Hysteria2', ':443', ' 443', '8443']) expect(html, bad).not.toContain(bad);
  });

  it('reports uptime per vantage region over 24 h / 7 d / 30 d with gaps as no data, and a chart with its scales', async () => {
    const root = makeFleet(temp('f'), { settings: cnVantage });
    const out = join(temp('o'), 'site');
    await build(root, out, { secret: SECRET_A, status: readStatus(STATUS_FIXTURE, load(root)) });
    const html = readFileSync(join(out, 'status', 'index.html'), 'utf8');
    const zh = readFileSync(join(out, 'status', 'zh.html'), 'utf8');
    // Region titles, never the vantages' internal names.
    expect(html).toContain('<th scope="row">Mainland China</th>');
    expect(zh).toContain('<th scope="row">中国大陆</th>');
    expect(html).not.toMatch(/home-cn|github/);
    // The fixture holds 4 hours of runs every 15 minutes: 16 of the 96 a day should have.
    expect(html).toContain('<td class="u-partial">16.6%<br><small>83.3% no data</small></td>');
    expect(html).toContain('<th scope="col">24 hours</th><th scope="col">7 days</th><th scope="col">30 days</th>');
    // Tokyo 1 is down from every vantage in the fixture's last hour: down, not blocked.
    const tokyo = html.slice(html.indexOf('Tokyo 1'));
    expect(tokyo).toMatch(/% down/);
    expect(tokyo.slice(0, tokyo.indexOf('</table>'))).not.toContain('blocked');
    // Axes: a millisecond scale and UTC times.
    expect(html).toMatch(/<text[^>]*>0 ms<\/text>/);
    expect(html).toMatch(/<text[^>]*>11-26 08:00<\/text>/);
    expect(html).toContain('UTC; up to ');
    // Data as of, with what the script needs to mark it stale after three 15-minute intervals.
    expect(html).toContain('data-as-of="2026-11-26T11:45:00.000Z" data-stale-after-ms="2700000">Data as of 2026-11-26 11:45 UTC.');
  });

  it('without any probe data says so, and claims no uptime', async () => {
    const root = makeFleet(temp('f'), { settings: cnVantage });
    const out = join(temp('o'), 'site');
    await build(root, out, { secret: SECRET_A });
    const html = readFileSync(join(out, 'status', 'index.html'), 'utf8');
    expect(html).toContain('No probe results yet.');
    expect(html).not.toMatch(/\d+\.\d%/);
    expect(html).toContain('<td class="u-unknown">no data</td>');
  });

  it('shows addresses only with alerts.show_addresses', async () => {
    const root = makeFleet(temp('f'), { settings: { alerts: { show_addresses: true } } });
    const out = join(temp('o'), 'site');
    await build(root, out, { secret: SECRET_A });
    const html = readFileSync(join(out, 'status', 'index.html'), 'utf8');
    expect(html).toContain('203.0.113.10');
    expect(html).toContain('Reality 443');
  });
});

describe('_headers', () => {
  it('is never written for github-pages or plain hosting', async () => {
    for (const host of ['github-pages', 'plain']) {
      const root = makeFleet(temp('f'), { settings: { site: { host } } });
      const out = join(temp('o'), 'site');
      await build(root, out, { secret: SECRET_A });
      expect(listFiles(out)).not.toContain('_headers');
    }
  });

  it('drops per-user rules past Cloudflare\'s 100-rule limit, with a warning', async () => {
    const many = Array.from({ length: 97 }, (_, i) => ({ name: `quota-user-${String(i).padStart(3, '0')}`, enabled: true, rev: 1, quota_gb: 10 }));
    const root = makeFleet(temp('f'), { settings: { site: { host: 'cloudflare' } }, users: many });
    const out = join(temp('o'), 'site');
    const r = await build(root, out, { secret: SECRET_A });
    expect(r.warnings.join('\n')).toMatch(/at most 100 rules/);
    expect(readFileSync(join(out, '_headers'), 'utf8')).not.toContain('subscription-userinfo');
    const netlify = makeFleet(temp('f'), { settings: { site: { host: 'netlify' } }, users: many });
    const out2 = join(temp('o'), 'site');
    const r2 = await build(netlify, out2, { secret: SECRET_A });
    expect(r2.warnings).toEqual([]);
    expect(readFileSync(join(out2, '_headers'), 'utf8').match(/subscription-userinfo/g)).toHaveLength(97);
  });
});

