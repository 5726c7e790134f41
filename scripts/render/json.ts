// Stable JSON for every rendered artifact. Renderers build objects in a deliberate key
// order (sing-box's own documentation order, which makes configs readable), so this keeps
// insertion order rather than sorting; what it guarantees is the rest of determinism:
// two-space indent, one trailing newline, `undefined` dropped (never `null`), and no
// Map/Set (whose iteration order would depend on how they were filled) slipping through.

export function stableJson(value: unknown, indent = 2): string {
  // A replacer costs a call per value (it was half the time of a large node config), so
  // plain data is checked in one quick walk and stringified without one. The replacer
  // below only ever throws or returns its value unchanged, so for data that passes the
  // walk both ways give the same text; anything else takes the replacer's way, which
  // names what is wrong.
  if (isPlainData(value, 0)) return `${JSON.stringify(value, null, indent)}\n`;
  return `${JSON.stringify(value, replacer, indent)}\n`;
}

/**
 * The same without whitespace, for what apps download per user (client profiles): a third
 * smaller, and no person reads it but through the app. Node configs stay indented: they
 * are diffed in plans.
 */
export function compactJson(value: unknown): string {
  return stableJson(value, 0);
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

/** Deeper than any config: a cycle, left to JSON.stringify to report. */
const MAX_DEPTH = 200;

/**
 * Strings, booleans, finite numbers, null, undefined, functions and symbols (the last
 * three JSON drops), arrays and plain objects without toJSON: what JSON.stringify writes
 * the same with or without the replacer.
 */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string': case 'boolean': case 'undefined': case 'function': case 'symbol':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainData(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = value as Record<string, unknown>;
      if (typeof obj.toJSON === 'function') return false;
      for (const key in obj) if (!isPlainData(obj[key], depth + 1)) return false;
      return true;
    }
    default:
      return false; // bigint
  }
}
