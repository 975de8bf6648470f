import type { Stamp } from './hlc.js';

/** What a scribe does to its object. */
export type ScribeType = 'create' | 'update' | 'destroy';

/**
 * One recorded change, as on the wire: `data` is the object's synced fields on create, `[id, {changed fields}]` on
 * update, `[id]` on destroy. `id` is the scribe's id in the log that holds it (a decimal sequence here).
 */
export interface Scribe {
  id?: string | number | null;
  klass: string;
  type: ScribeType;
  data: unknown;
  origin?: string;
  clock?: bigint;
  base?: Record<string, bigint>;
}

/** The latest known state of one object: its fields, a stamp per field, a tombstone once destroyed. */
export interface ObjectState {
  klass: string;
  id: string;
  fields: Record<string, unknown>;
  stamps: Record<string, Stamp>;
  tombstone?: Stamp;
}
