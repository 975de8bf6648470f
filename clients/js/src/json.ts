import { parse, stringify } from 'lossless-json';

/**
 * JSON with 64-bit integers kept exact. Scribe's clocks are 64-bit integers (wall milliseconds shifted 16 bits left),
 * beyond the 53 bits a JavaScript number holds: integers outside the safe range are read as `bigint` and written back
 * as plain JSON numbers, so a clock travels through this client without losing a bit.
 */
export function parseJson(text: string): unknown {
  return parse(text, null, (value: string) => {
    if (/^-?\d+$/.test(value)) {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : BigInt(value);
    }
    return parseFloat(value);
  });
}

/** Writes `value` as JSON; `bigint` values become JSON numbers. */
export function toJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) {
    throw new TypeError('not representable as JSON');
  }
  return text;
}

/** A `bigint` from a JSON value that holds an integer (number, bigint or decimal string); `fallback` otherwise. */
export function toBigInt(value: unknown, fallback = 0n): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return fallback;
}

/** Deep equality of JSON values (objects compared key by key, whatever the key order). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')
      && BigInt(a as bigint) === BigInt(b as bigint);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length
    && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A deep copy of a JSON value (undefined becomes null). */
export function jsonCopy<T>(value: T): T {
  if (value === undefined) return null as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => jsonCopy(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) out[k] = jsonCopy(v);
  }
  return out as T;
}
