// Stable JSON for every rendered artifact. Renderers build objects in a deliberate key
// order (sing-box's own documentation order, which makes configs readable), so this keeps
// insertion order rather than sorting; what it guarantees is the rest of determinism:
// two-space indent, one trailing newline, `undefined` dropped (never `null`), and no
// Map/Set (whose iteration order would depend on how they were filled) slipping through.

export function stableJson(value: unknown): string {
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (value instanceof Map || value instanceof Set) {
    // A renderer must turn these into sorted arrays or plain objects itself.
    throw new TypeError(`stableJson: ${value instanceof Map ? 'Map' : 'Set'} at "${key}" has no stable order`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`stableJson: ${String(value)} at "${key}" is not valid JSON`);
  }
  if (typeof value === 'bigint') throw new TypeError(`stableJson: bigint at "${key}"`);
  return value;
}
