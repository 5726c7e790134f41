// ipVersion is node:net's isIP without its IPv6 expression for names that cannot be IPv6
// (a colon-less string): every answer must still be isIP's.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../../scripts/core/ip.ts';

const CASES = [
  '1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.', ' 1.2.3.4',
  '::', '::1', 'fe80::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '::ffff:1.2.3.4', '[::1]', '1::2::3', ':::', '2001:db8:0:0:0:0:2:1:5',
  'example.com', 'node-01.example.com', 'localhost', 'xn--bcher-kva.example', '', 'a:b', 'host:443', '1.2.3.4:443', '١.٢.٣.٤',
];

describe('ipVersion', () => {
  it.each(CASES)('%j is what isIP says it is', (s) => {
    expect(ipVersion(s)).toBe(isIP(s));
  });

  it('a value that is not a string (a hand-made manifest) is 0, as isIP says, not an exception', () => {
    for (const v of [undefined, null, 42, {}]) expect(ipVersion(v as unknown as string)).toBe(isIP(v as unknown as string));
  });
});
