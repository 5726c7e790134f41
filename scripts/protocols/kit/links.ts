// Pieces every share link shares: percent-encoding each component on its own (never
// URLSearchParams, which writes spaces as '+' that several apps decode literally),
// bracketed IPv6 hosts, and the label in the fragment.
import { ipVersion } from '../../core/ip.ts';
import type { EndpointBase } from './endpoint.ts';

export const enc = encodeURIComponent;

export function hostPort(ep: EndpointBase): string {
  return `${ipVersion(ep.server) === 6 ? `[${ep.server}]` : ep.server}:${ep.port}`;
}

export function query(params: [string, string | undefined][]): string {
  const parts = params.filter((p): p is [string, string] => p[1] !== undefined).map(([k, v]) => `${k}=${enc(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export const fragment = (ep: EndpointBase): string => `#${enc(ep.label)}`;
