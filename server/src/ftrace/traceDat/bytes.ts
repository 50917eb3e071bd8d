/** Bounds-checked reads from a Buffer in the file's byte order; errors name the file offset. */
import { TraceDatError } from './errors';

export class Bytes {
  pos = 0;

  /** `base` is the file offset of buf[0], for error messages only. */
  constructor(readonly buf: Buffer, readonly little: boolean, readonly base = 0) {}

  get remaining(): number { return this.buf.length - this.pos; }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new TraceDatError(this.base + this.pos, `truncated ${what} (need ${n} bytes, ${this.buf.length - this.pos} left)`);
    }
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.little ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 64-bit size or offset; beyond 2^53 cannot be a real size in a file, so it is an error. */
  u64(what: string): number {
    this.need(8, what);
    const v = this.little ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TraceDatError(this.base + this.pos, `${what} ${v} is not a plausible size or offset`);
    this.pos += 8;
    return Number(v);
  }

  cstring(what: string): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new TraceDatError(this.base + this.pos, `unterminated ${what}`);
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  text(n: number, what: string): string { return this.bytes(n, what).toString('latin1'); }
}
