// The shapes of a node's sing-box config, as plain objects. Only what boxfleet emits is
// typed; the strict JSON Schema in ../singbox-schema/ is what checks the result. The
// inbound-level shapes belong to the protocols (scripts/protocols/kit/server.ts).
import type { JsonObject, SingBoxInbound } from '../../protocols/kit/server.ts';

export type { InboundContext, InboundTls, JsonObject, SingBoxInbound } from '../../protocols/kit/server.ts';

export interface RouteRule extends JsonObject { action: 'sniff' | 'route' | 'reject' | 'resolve' }

export interface SingBoxConfig {
  log: { level: 'warn'; timestamp: false };
  inbounds: SingBoxInbound[];
  outbounds: JsonObject[];
  route: { rules: RouteRule[]; final: string };
  experimental: { clash_api: { external_controller: string; secret: string }; v2ray_api?: V2RayApi };
}

/** sing-box's experimental.v2ray_api (only in builds with the with_v2ray_api tag). */
export interface V2RayApi {
  listen: string;
  stats: { enabled: true; users: string[] };
}
