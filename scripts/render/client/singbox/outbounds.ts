// sing-box 1.12/1.13 client outbounds, one per endpoint, by the endpoint's protocol
// (scripts/protocols/<type>/): from the endpoint facts alone (no model lookups here: what
// the endpoint does not say, the client is not told).
import type { Endpoint } from '../../endpoint.ts';
import { protocolOf } from '../../../protocols/registry.ts';
import type { SingBoxOutbound } from '../../../protocols/kit/singbox.ts';

export { LOCAL_DNS, pemLines, singboxTls, type SingBoxOutbound } from '../../../protocols/kit/singbox.ts';

export function singboxOutbound(ep: Endpoint): SingBoxOutbound {
  return protocolOf(ep.inbound).singbox(ep);
}
