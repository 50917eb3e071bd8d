/** A growable column of 32-bit integers (the wire's and the cache's fact columns). */
export class IntColumn {
  private buf: Int32Array;
  length = 0;

  constructor(initial = 1 << 14) {
    this.buf = new Int32Array(initial);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }

  /** The ints pushed so far, as a copy (the column may be reused). */
  copy(): Int32Array {
    return this.buf.slice(0, this.length);
  }

  /** The ints pushed so far, in place. */
  bytes(): Buffer {
    return Buffer.from(this.buf.buffer, 0, this.length * 4);
  }
}
