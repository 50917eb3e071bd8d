/**
 * One CPU's ring-buffer pages, a block at a time: plain files are read in page-aligned blocks,
 * compressed v7 files chunk by chunk (`count`, then per chunk `csize usize data`).
 */
import type * as fs from 'node:fs';
import { Bytes } from './bytes';
import { TraceDatError } from './errors';
import { readAt, type CpuData, type TraceDatLayout } from './layout';

const BLOCK = 1 << 20;

export class CpuBlocks {
  private pos: number;
  private readonly end: number;
  private chunksLeft = -1;
  /** File offset of the block last returned, for error messages. */
  blockOffset = 0;
  bytesRead = 0;

  constructor(private readonly fh: fs.promises.FileHandle, private readonly l: TraceDatLayout, readonly data: CpuData) {
    this.pos = data.offset;
    // trace-cmd 3.1 records a compressed CPU's size without its 4-byte chunk count.
    this.end = data.offset + data.size + (l.chunked ? 4 : 0);
  }

  async next(): Promise<Buffer | null> {
    return this.l.chunked ? this.nextChunk() : this.nextPlain();
  }

  private async nextPlain(): Promise<Buffer | null> {
    if (this.pos >= this.end) return null;
    const pages = Math.max(1, Math.floor(BLOCK / this.l.pageSize));
    const n = Math.min(this.end - this.pos, pages * this.l.pageSize);
    this.blockOffset = this.pos;
    const buf = await readAt(this.fh, this.pos, n);
    if (buf.length < n) throw new TraceDatError(this.pos, `cpu ${this.data.cpu} data truncated`);
    this.pos += n;
    this.bytesRead += n;
    return buf;
  }

  private async nextChunk(): Promise<Buffer | null> {
    const little = this.l.little;
    if (this.chunksLeft < 0) {
      if (this.data.size === 0) return null;
      const h = new Bytes(await readAt(this.fh, this.pos, 4), little, this.pos);
      this.chunksLeft = h.u32('chunk count');
      this.pos += 4;
      this.bytesRead += 4;
    }
    if (this.chunksLeft === 0) return null;
    if (this.pos + 8 > this.end) throw new TraceDatError(this.pos, `cpu ${this.data.cpu}: chunk header past the cpu data end`);
    const h = new Bytes(await readAt(this.fh, this.pos, 8), little, this.pos);
    const csize = h.u32('chunk compressed size');
    const usize = h.u32('chunk uncompressed size');
    const at = this.pos;
    if (this.pos + 8 + csize > this.end) throw new TraceDatError(at, `cpu ${this.data.cpu}: chunk of ${csize} bytes runs past the cpu data end`);
    if (usize > (256 << 20)) throw new TraceDatError(at, `chunk claims ${usize} uncompressed bytes`);
    const comp = await readAt(this.fh, this.pos + 8, csize);
    this.pos += 8 + csize;
    this.bytesRead += 8 + csize;
    this.chunksLeft--;
    this.blockOffset = at;
    return this.l.decompress!(comp, usize, at);
  }
}
