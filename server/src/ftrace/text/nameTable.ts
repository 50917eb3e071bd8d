/**
 * Byte range → string, so a name costs a string only the first time it is seen: the bytes are
 * hashed into an open-addressing table and compared against a copy kept in a byte pool. Names
 * in a trace repeat millions of times; distinct ones are few (functions, events, comms).
 */
const MAX_NAMES = 1 << 20;
/** FNV-1a over the bytes: callers that already walk a name may hash it on the way (idHashed). */
export const FNV_BASIS = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

export class NameTable {
  private slots = new Int32Array(1 << 12);
  private pool = new Uint8Array(1 << 14);
  private poolUsed = 0;
  private starts: number[] = [];
  private lens: number[] = [];
  private hashes: number[] = [];
  readonly strings: string[] = [];

  /** Id of the name in buf[a, b), or -1 once the table is full (then decode the range itself). */
  id(buf: Buffer, a: number, b: number): number {
    let h = FNV_BASIS;
    for (let i = a; i < b; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    return this.idHashed(buf, a, b, h);
  }

  /** As id, with h the FNV-1a hash of buf[a, b). */
  idHashed(buf: Buffer, a: number, b: number, h: number): number {
    const mask = this.slots.length - 1;
    const len = b - a;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s];
      if (v === 0) return this.add(buf, a, b, h, s);
      const id = v - 1;
      if (this.hashes[id] === h && this.lens[id] === len && this.same(id, buf, a, len)) return id;
    }
  }

  private same(id: number, buf: Buffer, a: number, len: number): boolean {
    const pool = this.pool;
    const o = this.starts[id];
    for (let i = 0; i < len; i++) if (pool[o + i] !== buf[a + i]) return false;
    return true;
  }

  private add(buf: Buffer, a: number, b: number, h: number, slot: number): number {
    const id = this.strings.length;
    if (id >= MAX_NAMES) return -1;
    const len = b - a;
    if (this.poolUsed + len > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      grown.set(this.pool.subarray(0, this.poolUsed));
      this.pool = grown;
    }
    this.pool.set(buf.subarray(a, b), this.poolUsed);
    this.starts.push(this.poolUsed);
    this.poolUsed += len;
    this.lens.push(len);
    this.hashes.push(h);
    this.strings.push(buf.toString('latin1', a, b));
    this.slots[slot] = id + 1;
    // Keep the load under one half so probe runs stay short.
    if ((id + 1) * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.hashes.length; id++) {
      let s = this.hashes[id] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
  }
}
