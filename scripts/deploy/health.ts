// Health of a freshly restarted node, judged from outside where we can: every TCP inbound
// must accept a connection from the deployer, TLS inbounds with a pinned self-signed
// certificate must complete a verified handshake, Reality inbounds must answer a
// ClientHello for the borrowed site's name. UDP inbounds (Hysteria2, TUIC) cannot be
// probed without their protocol, so the node itself reports whether it listens on them.
import { Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type { Inbound, Node } from '../model/types.ts';
import { protocolOf } from '../protocols/registry.ts';

export interface HealthProblem {
  inbound: string;
  problem: string;
}

const DEFAULT_TIMEOUT_MS = 5_000;

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (problem?: string): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no TCP answer on port ${port} within ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => done());
    sock.once('error', (e: NodeJS.ErrnoException) => done(`TCP connect to port ${port}: ${e.code ?? e.message}`));
    sock.connect(port, host);
  });
}

function tlsHandshake(opts: ConnectionOptions & { host: string; port: number }, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = tlsConnect(opts);
    const done = (problem?: string): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no TLS handshake on port ${opts.port} within ${timeoutMs} ms`), timeoutMs);
    sock.once('secureConnect', () => done());
    sock.once('error', (e: NodeJS.ErrnoException) => done(`TLS handshake on port ${opts.port}: ${e.code ?? e.message}`));
  });
}

/** What the deployer can check of one inbound from outside (undefined = healthy), as its protocol says. */
export async function probeInbound(node: Node, inbound: Inbound, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | undefined> {
  const host = node.address;
  const port = inbound.port;
  const health = protocolOf(inbound).health;
  if (health.kind === 'tls-hello') {
    // An unauthenticated visitor gets the borrowed site's handshake: a ServerHello comes back.
    const name = health.serverName(inbound);
    return tlsHandshake({ host, port, servername: isIP(name) ? undefined : name, rejectUnauthorized: false }, timeoutMs);
  }
  const tls = node.tls;
  if (health.kind === 'node-tls' && tls?.certificate && tls.mode === 'self-signed') {
    // Self-signed: verify against the pinned certificate and the node's server name.
    const name = tls.server_name;
    return tlsHandshake(
      { host, port, ca: tls.certificate, servername: isIP(name) ? undefined : name, checkServerIdentity: (_h, cert) => checkServerIdentity(name, cert) },
      timeoutMs,
    );
  }
  // ACME and file certificates may not be valid yet (first issuance): TCP is what we know.
  return tcpConnect(host, port, timeoutMs);
}

/**
 * Checks every inbound; `udpListening` is the node's own list of listening UDP ports
 * (from `boxfleet-node ports`).
 */
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

/** Parses `boxfleet-node ports` output ("udp 443" lines) into the UDP port set. */
export function udpPortsOf(portsOutput: string): Set<number> {
  const set = new Set<number>();
  for (const line of portsOutput.split('\n')) {
    const [proto, port] = line.trim().split(/\s+/);
    if (proto === 'udp' && port && /^\d+$/.test(port)) set.add(Number(port));
  }
  return set;
}
