// Replaces derived secret values in text (logs, plans, error messages) before it is shown.
// One RegExp alternation of thousands of values is tried value by value at every position
// (measured: ~1.5 s per MB for 10,000 values); this scan looks each position up in a map of
// 8-character prefixes behind a cheap bitmap filter instead (~tens of ms per MB).

export const REDACTED = '[redacted]';

/** Shorter values are ignored: they would match ordinary text by chance. */
export const MIN_REDACT_LENGTH = 8;

const FILTER_BITS = 1 << 20;

// Hash of the 4 characters at i, computed without allocating a string.
function hash4(text: string, i: number): number {
  let h = 0;
  for (let k = 0; k < 4; k++) h = (Math.imul(h, 31) + text.charCodeAt(i + k)) | 0;
  return h & (FILTER_BITS - 1);
}

/**
 * Returns a function that replaces every occurrence of any of `values` with "[redacted]",
 * leftmost first and, at one position, longest first. Each value's URL-encoded form is
 * redacted too (std base64 keys appear as %2B, %2F, %3D inside links).
 */
export function redactor(values: Iterable<string>): (text: string) => string {
  const unique = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_REDACT_LENGTH) continue;
    unique.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) unique.add(encoded);
  }
  if (unique.size === 0) return (text) => text;

  const byPrefix = new Map<string, string[]>();
  const filter = new Uint8Array(FILTER_BITS >> 3);
  const longestFirst = [...unique].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  for (const value of longestFirst) {
    const prefix = value.slice(0, MIN_REDACT_LENGTH);
    const list = byPrefix.get(prefix);
    if (list) list.push(value);
    else byPrefix.set(prefix, [value]);
    const h = hash4(value, 0);
    filter[h >> 3]! |= 1 << (h & 7);
  }

  return (text: string): string => {
    let out = '';
    let copied = 0; // text before this index is already in `out`
    const last = text.length - MIN_REDACT_LENGTH;
    let i = 0;
    scan: while (i <= last) {
      const h = hash4(text, i);
      if ((filter[h >> 3]! & (1 << (h & 7))) !== 0) {
        const candidates = byPrefix.get(text.slice(i, i + MIN_REDACT_LENGTH));
        if (candidates !== undefined) {
          for (const value of candidates) {
            if (text.startsWith(value, i)) {
              out += text.slice(copied, i) + REDACTED;
              i += value.length;
              copied = i;
              continue scan;
            }
          }
        }
      }
      i++;
    }
    return copied === 0 ? text : out + text.slice(copied);
  };
}

export const ADDRESS = '[address]';

/**
 * `redact`, then every one of `addresses` replaced by "[address]" (longest first, so a host
 * name is not half-replaced by a shorter one). Addresses are short (an IPv4 can be 7
 * characters), below what redactor() matches, so they get their own exact pass.
 */
export function withAddresses(redact: (text: string) => string, addresses: Iterable<string>): (text: string) => string {
  const list = [...new Set(addresses)].filter((a) => a !== '').sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, a) => t.split(a).join(ADDRESS), redact(text));
}
