// Whether a string is an IP address, as node:net's isIP answers it, without its cost: isIP
// tries its IPv6 expression on every string that is not IPv4, and compiling that
// expression takes ~10 ms of a command's start (Node 20), paid on the first host name.
// Every IPv6 address has a colon, so a name without one is never shown to it.
import { isIPv4, isIPv6 } from 'node:net';

export function ipVersion(s: string): 0 | 4 | 6 {
  // isIP answers 0 for a non-string (a hand-made probe manifest may hold one): so does this.
  if (typeof s !== 'string') return 0;
  if (isIPv4(s)) return 4;
  return s.includes(':') && isIPv6(s) ? 6 : 0;
}
