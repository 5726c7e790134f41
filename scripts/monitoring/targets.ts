// What Prometheus scrapes, as file_sd target groups: one node_exporter per enabled node
// and one blackbox probe per TCP inbound. Pure functions of the fleet.
import { addressOf, needsNodeTls, transportOf } from '../model/inbound-facts.ts';
import type { Fleet, Inbound, Node } from '../model/types.ts';
import type { MonitoringOptions } from './options.ts';

export interface TargetGroup { targets: string[]; labels: Record<string, string> }

/** host:port, with brackets for IPv6 literals. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function scrapedNodes(fleet: Fleet): Node[] {
  // Disabled nodes are not deployed, so scraping them would only raise NodeDown.
  return fleet.nodes.filter((n) => n.enabled);
}

function nodeLabels(node: Node): Record<string, string> {
  return { node: node.name, region: node.region, country: node.country };
}

export function nodeExporterTargets(fleet: Fleet, opts: MonitoringOptions): TargetGroup[] {
  return scrapedNodes(fleet).map((n) => ({ targets: [hostPort(n.address, opts.nodeExporterPort)], labels: nodeLabels(n) }));
}

/**
 * The blackbox module for an inbound, or undefined when it gets no probe.
 * - UDP inbounds (hysteria2, tuic) speak QUIC: blackbox has no QUIC prober and a UDP
 *   "connect" proves nothing, so they get none (the node's own metrics still cover them).
 * - Reality answers the handshake with the camouflage site's certificate, so a TLS probe
 *   would report someone else's expiry: a plain TCP connect.
 * - Other TLS inbounds present our certificate: a TLS handshake that verifies its name
 *   and yields probe_ssl_earliest_cert_expiry.
 */
export function probeModule(node: Node, inbound: Inbound): string | undefined {
  if (transportOf(inbound.type) === 'udp') return undefined;
  if (needsNodeTls(inbound.type) && node.tls) return tlsModuleName(node);
  return 'tcp_connect';
}

export function tlsModuleName(node: Node): string {
  return `tls_${node.name}`;
}

export function probeTargets(fleet: Fleet): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const n of scrapedNodes(fleet)) {
    for (const ib of n.inbounds) {
      const module = probeModule(n, ib);
      if (!module) continue;
      // __param_module becomes the ?module= of the probe URL and is dropped after relabelling.
      groups.push({ targets: [hostPort(addressOf(n, ib), ib.port)], labels: { ...nodeLabels(n), inbound: ib.tag, type: ib.type, __param_module: module } });
    }
  }
  return groups;
}

/** Nodes whose certificate a TLS probe checks (at least one TLS TCP inbound). */
export function tlsProbedNodes(fleet: Fleet): Node[] {
  return scrapedNodes(fleet).filter((n) => n.inbounds.some((ib) => probeModule(n, ib)?.startsWith('tls_')));
}
