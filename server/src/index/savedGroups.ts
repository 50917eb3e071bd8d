/**
 * Lists of integer tuples grouped by a string key, in a form the cache saves and answers from
 * directly: keys as string ids found through a nameHash.ts table, each key's tuples contiguous.
 * Replaces a Map of several hundred thousand keys that a warm start would otherwise build.
 */
import { buildNameHash, findName, validNameHash } from './nameHash';
import type { StringTable } from './stringTable';

export interface GroupColumns {
  /** String ids of the keys. */
  keyIds: Int32Array;
  /** Per key: where its tuples end (in tuples). */
  ends: Int32Array;
  /** The tuples, `width` integers each, grouped by key. */
  tuples: Int32Array;
  slots: Int32Array;
}

/**
 * Groups rows by key: keys in first-seen order, a key's rows in input order (as Map pushes would).
 * Row i is the key with string id `keyIds[i]` and the `width` integers at `values[i * width]`;
 * `text` gives a key's string for the hash table. Keys are string ids already, so no Map of
 * strings is built (that was most of the cost of saving the tables).
 */
export function groupColumns(width: number, keyIds: ArrayLike<number>, values: ArrayLike<number>, text: (id: number) => string): GroupColumns {
  let maxId = -1;
  for (let i = 0; i < keyIds.length; i++) if (keyIds[i] > maxId) maxId = keyIds[i];
  const groupOf = new Int32Array(maxId + 1).fill(-1);
  const rowGroup = new Int32Array(keyIds.length);
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < keyIds.length; i++) {
    let g = groupOf[keyIds[i]];
    if (g < 0) { g = distinct.length; groupOf[keyIds[i]] = g; distinct.push(keyIds[i]); counts.push(0); }
    rowGroup[i] = g;
    counts[g]++;
  }
  const ends = new Int32Array(distinct.length);
  for (let g = 0, total = 0; g < distinct.length; g++) { total += counts[g]; ends[g] = total; }
  const next = new Int32Array(distinct.length);
  for (let g = 1; g < distinct.length; g++) next[g] = ends[g - 1];
  const tuples = new Int32Array(keyIds.length * width);
  for (let i = 0; i < keyIds.length; i++) {
    const at = next[rowGroup[i]]++ * width;
    for (let w = 0; w < width; w++) tuples[at + w] = values[i * width + w];
  }
  return { keyIds: Int32Array.from(distinct), ends, tuples, slots: buildNameHash(distinct.map(text)) };
}

export class SavedGroups {
  readonly keyAt = (k: number): string => this.strings.get(this.keyIds[k]);
  private readonly isKey = (k: number, name: string): boolean => this.strings.equals(this.keyIds[k], name);

  /** Throws when the columns do not fit together (a corrupt cache). */
  constructor(
    private readonly strings: StringTable, private readonly keyIds: Int32Array, private readonly ends: Int32Array,
    readonly tuples: Int32Array, private readonly slots: Int32Array, readonly width: number,
  ) {
    if (ends.length !== keyIds.length || (ends.length ? ends[ends.length - 1] : 0) * width !== tuples.length) throw new Error('grouped table does not add up');
    for (let i = 0; i < keyIds.length; i++) {
      if (keyIds[i] < 0 || keyIds[i] >= strings.size || ends[i] < (i ? ends[i - 1] + 1 : 1)) throw new Error('grouped table key out of range');
    }
    if (!validNameHash(slots, keyIds.length)) throw new Error('grouped table hash malformed');
  }

  get size(): number {
    return this.keyIds.length;
  }

  /** The key's index, or -1. */
  find(name: string): number {
    return findName(this.slots, name, this.isKey);
  }

  /** First and one-past-last tuple of key k. */
  start(k: number): number {
    return k === 0 ? 0 : this.ends[k - 1];
  }

  end(k: number): number {
    return this.ends[k];
  }
}
