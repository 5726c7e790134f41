// mihomo (Clash Meta) proxies, one per endpoint, by the endpoint's protocol
// (scripts/protocols/<type>/).
import type { Endpoint } from '../../endpoint.ts';
import { protocolOf } from '../../../protocols/registry.ts';
import type { MihomoProxy } from '../../../protocols/kit/mihomo.ts';

export { certFingerprint, type MihomoProxy } from '../../../protocols/kit/mihomo.ts';

export function mihomoProxy(ep: Endpoint): MihomoProxy {
  return protocolOf(ep.inbound).mihomo(ep);
}
