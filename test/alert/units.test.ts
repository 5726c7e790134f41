// The pieces without servers: message splitting, escaping, durations, the state block, scrubbing.
import { describe, expect, it } from 'vitest';
import { humanDuration, markerOf, parseIncident, stateBlock, withState } from '../../scripts/alert/state.ts';
import { splitMessage } from '../../scripts/alert/telegram.ts';
import { esc, scrub } from '../../scripts/alert/text.ts';
import { checkHtml } from '../stand-ins/telegram/index.ts';
import type { Node } from '../../scripts/model/types.ts';

describe('incident pieces', () => {
  it('splits long summaries at line boundaries, every part under 4,096 characters', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `🛑 <b>${esc(`node <${i}> & co`)}</b> is down since 2026-11-26T12:00:00Z`);
    const parts = splitMessage(lines);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) { expect([...p].length).toBeLessThan(4096); expect(checkHtml(p)).toBeUndefined(); }
    expect(parts.join('\n')).toBe(lines.join('\n'));
  });

  it('escapes &, < and > (and quotes for attributes)', () => {
    expect(esc('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });

  it('formats durations with the two largest units', () => {
    expect(humanDuration(75 * 60_000)).toBe('1h 15m');
    expect(humanDuration(3600_000)).toBe('1h');
    expect(humanDuration(26 * 3600_000 + 5 * 60_000)).toBe('1d 2h');
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(0)).toBe('0s');
  });

  it('reads only issues with the marker; keeps the state block round-trip; survives a broken block', () => {
    const s = { state: 'blocked' as const, since: '2026-11-26T12:00:00.000Z', last_change: '2026-11-26T12:30:00.000Z', blocked_in: ['cn'] };
    const body = `${markerOf('tokyo-1')}\n${stateBlock(s)}\ntext`;
    const labels = [{ name: 'incident' }, { name: 'node:tokyo-1' }];
    expect(parseIncident({ number: 3, html_url: 'u', body, labels })).toMatchObject({ node: 'tokyo-1', state: s });
    expect(parseIncident({ number: 4, html_url: 'u', body: 'tokyo-1 is down, labels incident + node:tokyo-1', labels })).toBeUndefined();
    // The marker without the matching node label (pasted elsewhere, or another node's label) is not ours either.
    expect(parseIncident({ number: 6, html_url: 'u', body, labels: ['incident', 'node:osaka-1'] })).toBeUndefined();
    const broken = parseIncident({ number: 5, html_url: 'u', body: `${markerOf('tokyo-1')}\n<!-- boxfleet-state {nope} -->`, labels });
    expect(broken?.state.state).toBe('down');
    const next = withState(body, { ...s, state: 'down', blocked_in: undefined });
    expect(parseIncident({ number: 3, html_url: 'u', body: next, labels })?.state).toEqual({ state: 'down', since: s.since, last_change: s.last_change });
    expect(next.endsWith('\ntext')).toBe(true);
  });

  it('scrubs the node\'s names, addresses and ports, IP literals and host:port unless shown', () => {
    const node = {
      address: '203.0.113.10', ssh: { host: 'ssh.tokyo-1.example.com' }, tls: { server_name: 'tokyo-1.example.com' },
      inbounds: [
        { type: 'vless-ws', tag: 'vless-ws-8443', port: 8443, public_host: 'cdn-tokyo.example.com', public_port: 443 },
        { type: 'hysteria2', tag: 'hysteria2-4443', port: 4443 },
      ],
    } as unknown as Node;
    expect(scrub('connect ECONNREFUSED 203.0.113.10:443 via 198.51.100.7 and other.example.org:8443 at 12:00:00', node, false))
      .toBe('connect ECONNREFUSED <address> via <address> and <address> at 12:00:00');
    expect(scrub('vless-ws-8443: TLS to tokyo-1.example.com failed; cdn-tokyo.example.com answered 502; ssh.tokyo-1.example.com', node, false))
      .toBe('vless-ws: TLS to <address> failed; <address> answered 502; <address>');
    expect(scrub('hysteria2-4443 timed out on port 4443 (udp :4443)', node, false)).toBe('hysteria2 timed out on port <port> (udp :<port>)');
    expect(scrub('dial [2001:db8::1]:443', undefined, false)).toBe('dial <address>');
    // A certificate check names what the presented certificate holds: other names of the node.
    expect(scrub('certificate is not valid for tokyo-1.example.com (it names DNS:panel.example.net, DNS:*.example.net, IP Address:198.51.100.9)', node, false))
      .toBe('certificate is not valid for <address> (it names DNS:<name>, DNS:<name>, IP Address:<address>)');
    expect(scrub('certificate is not valid for tokyo-1.example.com (it names C=US, O=Panel Inc, CN=panel.example.net)', node, false))
      .toBe('certificate is not valid for <address> (it names C=US, O=<name>, CN=<name>)');
    expect(scrub('it names URI:https://panel.example.net/x, email:ops@example.net', node, false)).toBe('it names URI:<name>, email:<name>');
    expect(scrub('203.0.113.10:443', node, true)).toBe('203.0.113.10:443');
  });
});
