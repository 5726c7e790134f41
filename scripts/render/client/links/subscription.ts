// The base64 subscription (v2rayN, v2rayNG, Shadowrocket, Hiddify, mihomo providers).
// Share links cannot pin a certificate in a way these apps agree on; the only portable
// way to reach a self-signed node would be `insecure=1`, which accepts any man in the
// middle. So pinnable-only endpoints are left out here; the sing-box and mihomo profiles
// carry them with the pin.
import type { Endpoint } from '../../endpoint.ts';
import { protocolOf } from '../../../protocols/registry.ts';

export function shareLink(ep: Endpoint): string | undefined {
  if (ep.tls?.certificate) return undefined;
  return protocolOf(ep.inbound).link(ep);
}

export function shareLinksOf(endpoints: readonly Endpoint[]): string[] {
  return endpoints.map(shareLink).filter((l): l is string => l !== undefined);
}

/** Standard base64 (mihomo does not try the URL-safe alphabet on a whole body), one line. */
export function subscriptionBody(links: readonly string[]): string {
  return Buffer.from(links.join('\n'), 'utf8').toString('base64');
}
