/**
 * The cache's string table, decoded on demand from its UTF-8 bytes: a warm start needs a few
 * thousand of its ~1.9M strings before the first answer, and decoding them all (then collecting
 * the garbage) cost more than a second. Each string is decoded once and kept, so repeated ids
 * share one string.
 */
export class StringTable {
  private readonly decoded: (string | undefined)[];

  /** `ends[i]` is the byte offset where string i ends in `bytes`; string 0 starts at 0. */
  constructor(private readonly bytes: Buffer, private readonly ends: Int32Array) {
    for (let i = 0; i < ends.length; i++) if (ends[i] < (i ? ends[i - 1] : 0)) throw new Error('string table out of order');
    if ((ends.length ? ends[ends.length - 1] : 0) !== bytes.length) throw new Error('string table does not match its bytes');
    this.decoded = new Array(ends.length);
  }

  get size(): number {
    return this.ends.length;
  }

  /**
   * Whether string `id` is `s`, without decoding it when `s` is ASCII (every kernel identifier):
   * a lookup compares against several keys, and decoding each cost more than the lookup.
   */
  equals(id: number, s: string): boolean {
    const have = this.decoded[id];
    if (have !== undefined) return have === s;
    if (id < 0 || id >= this.ends.length) throw new Error(`string id ${id} out of range`);
    const start = id === 0 ? 0 : this.ends[id - 1];
    if (this.ends[id] - start < s.length) return false; // UTF-8 is never shorter than its UTF-16 length
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.get(id) === s;
      if (this.bytes[start + i] !== c) return false;
    }
    return this.ends[id] - start === s.length;
  }

  get(id: number): string {
    const have = this.decoded[id];
    if (have !== undefined) return have;
    if (id < 0 || id >= this.ends.length) throw new Error(`string id ${id} out of range`);
    const s = this.bytes.toString('utf8', id === 0 ? 0 : this.ends[id - 1], this.ends[id]);
    this.decoded[id] = s;
    return s;
  }
}

/** The strings' UTF-8 bytes one after another, and where each ends (the form StringTable reads). */
export function encodeStrings(list: readonly string[]): { bytes: Buffer; ends: Int32Array } {
  const ends = new Int32Array(list.length);
  let total = 0;
  for (let i = 0; i < list.length; i++) { total += Buffer.byteLength(list[i], 'utf8'); ends[i] = total; }
  const joined = Buffer.from(list.join(''), 'utf8');
  if (joined.length === total) return { bytes: joined, ends };
  // joining merged a surrogate pair split across two strings: write them one by one
  const bytes = Buffer.alloc(total);
  for (let i = 0, at = 0; i < list.length; i++) at += bytes.write(list[i], at, 'utf8');
  return { bytes, ends };
}
