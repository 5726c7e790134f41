// The inbound TLS block for certificate-based inbounds (everything but Reality), from the
// node's `tls:` in the model. Paths are fixed here because bootstrap and deploy create the
// files at exactly these places.
import { FleetInputError } from '../../model/diagnostics.ts';
import type { Fleet, Node, NodeTls } from '../../model/types.ts';
import type { NodeCredentials } from '../../secrets/index.ts';
import { certificateMatchesKey } from '../../core/certificate.ts';
import type { InboundTls, JsonObject } from './types.ts';

/** Where certmagic keeps ACME accounts and certificates; survives sing-box upgrades. */
export const ACME_DATA_DIRECTORY = '/var/lib/sing-box/acme';

/** Self-signed material: bootstrap writes the committed certificate and the derived key here. */
export const selfSignedPaths = (node: string) => ({
  certificate_path: `/etc/sing-box/tls/${node}.crt`,
  key_path: `/etc/sing-box/tls/${node}.key`,
});

/**
 * sing-box reads DNS-01 credentials only from its config, never from the environment. The
 * renderer must not see them (they are not derived from FLEET_SECRET and never in Git), so
 * it writes these placeholders and the node script substitutes them at apply time from
 * /etc/boxfleet/acme.env (see the README, "ACME with the dns challenge").
 */
export const DNS_PLACEHOLDERS = {
  cloudflare: { api_token: '@BOXFLEET_ACME_CLOUDFLARE_API_TOKEN@' },
  alidns: { access_key_id: '@BOXFLEET_ACME_ALIDNS_ACCESS_KEY_ID@', access_key_secret: '@BOXFLEET_ACME_ALIDNS_ACCESS_KEY_SECRET@' },
} as const;

export function inboundTls(node: Node, tls: NodeTls, alpn?: string[]): InboundTls {
  const block: InboundTls = { enabled: true, server_name: tls.server_name };
  if (alpn) block.alpn = alpn;
  switch (tls.mode) {
    case 'files':
      return { ...block, certificate_path: tls.certificate_path, key_path: tls.key_path };
    case 'self-signed':
      return { ...block, ...selfSignedPaths(node.name) };
    case 'acme':
      return { ...block, acme: acmeBlock(tls) };
  }
}

function acmeBlock(tls: NodeTls): JsonObject {
  const acme = tls.acme!;
  const block: JsonObject = { domain: [tls.server_name], data_directory: ACME_DATA_DIRECTORY, email: acme.email };
  // Let's Encrypt is sing-box's default: leave it implicit, so existing configs keep their bytes.
  if (acme.provider !== 'letsencrypt') block.provider = acme.provider;
  // Turn off the challenges that were not chosen, so certmagic does not try to bind a port
  // that another inbound (often Reality on 443) already holds.
  if (acme.challenge === 'http-01') block.disable_tls_alpn_challenge = true;
  if (acme.challenge === 'tls-alpn-01') block.disable_http_challenge = true;
  if (acme.challenge === 'dns') {
    block.disable_http_challenge = true;
    block.disable_tls_alpn_challenge = true;
    const provider = acme.dns_provider!;
    block.dns01_challenge = { provider, ...DNS_PLACEHOLDERS[provider] };
  }
  return block;
}

/**
 * Refuses a self-signed node that cannot work: no committed certificate yet, or one made
 * from another key (clients pin the certificate, the node serves the derived key).
 */
export function checkSelfSigned(fleet: Fleet, node: Node, keys: NodeCredentials, matchKey = true): void {
  const tls = node.tls;
  if (tls?.mode !== 'self-signed') return;
  const file = `nodes/${node.name}.yaml`;
  if (!tls.certificate) {
    throw new FleetInputError([{
      severity: 'error', ...fleet.where(file, ['tls']),
      message: `node \`${node.name}\` uses a self-signed certificate but has none in its YAML`,
      hint: `run \`npm run fleet -- node cert ${node.name}\` and commit the result`,
    }]);
  }
  if (matchKey && !certificateMatchesKey(tls.certificate, keys.selfSignedKey.publicKeyPem)) {
    throw new FleetInputError([{
      severity: 'error', ...fleet.where(file, ['tls', 'certificate']),
      message: `the certificate of node \`${node.name}\` was not made from its derived key (wrong FLEET_SECRET, or the node's rev or the fleet epoch changed)`,
      hint: `run \`npm run fleet -- node cert ${node.name} --replace\` with the fleet's FLEET_SECRET and commit the result`,
    }]);
  }
}
