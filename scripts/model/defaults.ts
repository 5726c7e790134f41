// Defaults that depend on other fields (the schema fills in the constant ones).
import type { FleetSettings, Inbound, Node, User } from './types.ts';

export function completeSettings(raw: Record<string, any>): FleetSettings {
  const s = raw as FleetSettings;
  s.subscription.routing ??= s.site.language === 'zh-CN' ? 'cn-direct' : 'global';
  return s;
}

export function completeNode(raw: Record<string, any>): Node {
  const n = raw as Node;
  n.title ??= n.name;
  n.ssh.host ??= n.address;
  if (n.tls) n.tls.server_name ??= n.address;
  for (const inbound of n.inbounds as Inbound[]) {
    inbound.tag = `${inbound.type}-${inbound.port}`;
  }
  return n;
}

export function completeUser(raw: Record<string, any>): User {
  return raw as User;
}
