// Health of a freshly restarted node, judged from outside where we can, with the probe's
// own TCP and TLS layers: every TCP inbound must accept a connection from the deployer,
// TLS inbounds with a pinned self-signed certificate must complete a verified handshake,
// Reality inbounds must answer a ClientHello for the borrowed site's name. UDP inbounds
// (Hysteria2, TUIC) cannot be probed without their protocol, so the node itself reports
// whether it listens on them.
import type { Socket } from 'node:net';
import type { Inbound, Node } from '../model/types.ts';
import { addressOf } from '../model/inbound-facts.ts';
import { tcpConnect } from '../probe/net.ts';
import { tlsHandshake } from '../probe/tls.ts';
import { protocolOf } from '../protocols/registry.ts';
import type { EndpointTls } from '../protocols/kit/endpoint.ts';

export interface HealthProblem {
  inbound: string;
  problem: string;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** The TLS the deployer asks for on an inbound, as its protocol says; undefined: a TCP connect is all. */
function healthTls(node: Node, inbound: Inbound): { tls: EndpointTls; judge: boolean } | undefined {
  const health = protocolOf(inbound).health;
  // An unauthenticated visitor gets the borrowed site's handshake: any certificate answers.
  if (health.kind === 'tls-hello') return { tls: { server_name: health.serverName(inbound) }, judge: false };
  const tls = node.tls;
  // Self-signed: verified against the pinned certificate and the node's server name.
  if (health.kind === 'node-tls' && tls?.certificate && tls.mode === 'self-signed') return { tls: { server_name: tls.server_name, certificate: tls.certificate }, judge: true };
  // ACME and file certificates may not be valid yet (first issuance): TCP is what we know.
  return undefined;
}

/** What the deployer can check of one inbound from outside (undefined = healthy). */
export async function probeInbound(node: Node, inbound: Inbound, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | undefined> {
  const wanted = healthTls(node, inbound);
  let sock: Socket | undefined;
  try {
    sock = await tcpConnect(addressOf(node, inbound), inbound.port, timeoutMs);
    // The certificate's dates are judged by the real clock: --now is the fleet's clock, not the node's.
    if (wanted) (await tlsHandshake(sock, wanted.tls, timeoutMs, { now: new Date(), judge: wanted.judge })).socket.destroy();
    return undefined;
  } catch (e) {
    return `port ${inbound.port}: ${(e as Error).message}`;
  } finally {
    sock?.destroy();
  }
}

/** Checks every inbound; `udpListening` is the node's own list of listening UDP ports. */
export async function checkHealth(node: Node, udpListening: ReadonlySet<number>, timeoutMs?: number): Promise<HealthProblem[]> {
  const results = await Promise.all(
    node.inbounds.map(async (inbound) => {
      const problem = protocolOf(inbound).health.kind === 'udp-listening'
        ? udpListening.has(inbound.port) ? undefined : `not listening on UDP port ${inbound.port}`
        : await probeInbound(node, inbound, timeoutMs);
      return problem ? { inbound: inbound.tag, problem } : undefined;
    }),
  );
  return results.filter((x): x is HealthProblem => x !== undefined);
}
