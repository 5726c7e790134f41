// Every protocol boxfleet renders, one line each. A new protocol is a new folder beside
// these and one line here.
import type { Inbound, InboundType } from '../model/types.ts';
import { anytls } from './anytls/index.ts';
import { hysteria2 } from './hysteria2/index.ts';
import { shadowsocks } from './shadowsocks/index.ts';
import { trojan } from './trojan/index.ts';
import { tuic } from './tuic/index.ts';
import type { Protocol } from './types.ts';
import { vlessReality } from './vless-reality/index.ts';
import { vlessWs } from './vless-ws/index.ts';
import { vmessWs } from './vmess-ws/index.ts';

export const PROTOCOLS: { readonly [T in InboundType]: Protocol<Inbound & { type: T }> } = {
  'vless-reality': vlessReality,
  'vless-ws': vlessWs,
  'vmess-ws': vmessWs,
  trojan,
  shadowsocks,
  hysteria2,
  tuic,
  anytls,
};

/** The descriptor of an inbound's protocol, typed for that inbound. */
export function protocolOf<I extends Inbound>(inbound: I): Protocol<I> {
  return PROTOCOLS[inbound.type as InboundType] as unknown as Protocol<I>;
}

export type { NativeClient, Protocol } from './types.ts';
