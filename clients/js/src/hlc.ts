const COUNTER_BITS = 16n;

/**
 * A hybrid logical clock, as Scribe's Java engine has it: wall-clock milliseconds in the high 48 bits of a 64-bit
 * integer and a counter in the low 16. Every value it hands out is greater than every value it handed out or observed
 * before, so a change made after seeing a remote one is ordered after it, whatever the wall clocks say.
 */
export class Hlc {
  private last = 0n;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new timestamp for a local event. */
  tick(): bigint {
    const wall = BigInt(Math.floor(this.now())) << COUNTER_BITS;
    this.last = wall > this.last ? wall : this.last + 1n;
    return this.last;
  }

  /** Takes a remote timestamp into account, so that later local ticks are greater than it. */
  observe(remote: bigint): void {
    if (remote > this.last) this.last = remote;
  }

  /** The wall-clock milliseconds part of a timestamp. */
  static millis(hlc: bigint): number {
    return Number(hlc >> COUNTER_BITS);
  }
}

/**
 * When and where a value was written: a clock and the writer's GUID, ordered by clock then origin (plain string
 * comparison, as Java's `String.compareTo` on these ASCII GUIDs). `base` is the clock of the value the writer replaced;
 * it is not part of the order.
 */
export interface Stamp {
  clock: bigint;
  origin: string;
  base: bigint;
}

/** The order of stamps: negative, zero or positive. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1;
  return compareJavaStrings(a.origin, b.origin);
}

/** Last writer wins: whether `incoming` replaces the value stamped `current`. */
export function lastWriterWins(current: Stamp, incoming: Stamp): boolean {
  return compareStamps(incoming, current) > 0;
}

/** `String.compareTo` of Java: by UTF-16 code unit, then by length. */
export function compareJavaStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
