/**
 * An open-addressing hash table from names to small integers, stored as one Int32Array so it can
 * be saved in the cache and used straight from it: building a JavaScript Map of a kernel's ~700k
 * names costs a warm start ~0.5 s plus the garbage collection of its entries.
 *
 * A slot holds key index + 1 (0 = empty); keys are compared through `isKey`, so the table never
 * holds strings itself.
 */

/** FNV-1a over UTF-16 code units; saved tables depend on it, so changing it needs a new CACHE_FORMAT. */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A table for `keys` (distinct), at most half full. */
export function buildNameHash(keys: readonly string[]): Int32Array {
  let size = 1024;
  while (size < keys.length * 2) size *= 2;
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let k = 0; k < keys.length; k++) {
    let h = hashName(keys[k]) & mask;
    while (slots[h] !== 0) h = (h + 1) & mask;
    slots[h] = k + 1;
  }
  return slots;
}

/** The key index of `name`, or -1. */
export function findName(slots: Int32Array, name: string, isKey: (k: number, name: string) => boolean): number {
  const mask = slots.length - 1;
  for (let h = hashName(name) & mask; ; h = (h + 1) & mask) {
    const k = slots[h];
    if (k === 0) return -1;
    if (isKey(k - 1, name)) return k - 1;
  }
}

/** Checks a table read from disk: a power-of-two size, slots within the key range, at least one empty slot. */
export function validNameHash(slots: Int32Array, keys: number): boolean {
  if (slots.length < 2 || (slots.length & (slots.length - 1)) !== 0) return false;
  let empty = false;
  for (let i = 0; i < slots.length; i++) {
    const k = slots[i];
    if (k === 0) empty = true;
    else if (k < 0 || k > keys) return false;
  }
  return empty;
}
