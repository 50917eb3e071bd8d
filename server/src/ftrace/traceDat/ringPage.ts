/**
 * Events inside ring-buffer pages, as the kernel writes them (see libtraceevent kbuffer):
 * a page header (timestamp, commit) from `header_page`, then events with a 32-bit header
 * `type_len:5 time_delta:27` (bit order follows the file's endianness):
 * 0 = length in the next word, 1..28 = data of type_len*4 bytes, 29 = padding,
 * 30 = time extend, 31 = absolute time stamp.
 */
import { TraceDatError } from './errors';

export interface PageLayout { tsOffset: number; commitOffset: number; commitSize: number; dataOffset: number }

export function parsePageLayout(headerPage: string): PageLayout {
  const field = (name: string) => {
    const m = new RegExp(`field:\\s*[^;]*\\b${name};\\s*offset:(\\d+);\\s*size:(\\d+);`).exec(headerPage);
    return m === null ? null : { offset: Number(m[1]), size: Number(m[2]) };
  };
  const ts = field('timestamp') ?? { offset: 0, size: 8 };
  const commit = field('commit') ?? { offset: 8, size: 8 };
  const data = field('data') ?? { offset: commit.offset + commit.size, size: 0 };
  if (commit.size !== 4 && commit.size !== 8) throw new TraceDatError(0, `header_page commit size ${commit.size} is neither 4 nor 8`);
  return { tsOffset: ts.offset, commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset };
}

/** Decoded events of one block of pages: parallel arrays, reused between blocks. */
export class EventBatch {
  count = 0;
  ts = new Float64Array(1024);
  offset = new Int32Array(1024);
  size = new Int32Array(1024);
  block: Buffer = Buffer.alloc(0);
  /** Pages whose header said events were lost before them (summed over every block decoded). */
  missedPages = 0;
  /** The counts of lost events those pages stored (a page without room for it stores none). */
  missedEvents = 0;

  push(ts: number, offset: number, size: number): void {
    if (this.count === this.ts.length) {
      const n = this.count * 2;
      const t = new Float64Array(n); t.set(this.ts); this.ts = t;
      const o = new Int32Array(n); o.set(this.offset); this.offset = o;
      const z = new Int32Array(n); z.set(this.size); this.size = z;
    }
    this.ts[this.count] = ts;
    this.offset[this.count] = offset;
    this.size[this.count] = size;
    this.count++;
  }
}

const TS_SHIFT = 134217728; // 2^27

/** Decodes every page of `block` into `out` (cleared first). `fileOffset` is for errors. */
export function decodePages(block: Buffer, pageSize: number, pl: PageLayout, little: boolean, out: EventBatch, fileOffset: number): void {
  out.count = 0;
  out.block = block;
  for (let page = 0; page + pl.dataOffset <= block.length; page += pageSize) {
    const pageEnd = Math.min(page + pageSize, block.length);
    let ts = little ? Number(block.readBigUInt64LE(page + pl.tsOffset)) : Number(block.readBigUInt64BE(page + pl.tsOffset));
    // Bits 30/31 of commit flag missed events; the rest is the data length.
    const commitWord = pl.commitSize === 8
      ? (little ? block.readUInt32LE(page + pl.commitOffset) : block.readUInt32BE(page + pl.commitOffset + 4))
      : (little ? block.readUInt32LE(page + pl.commitOffset) : block.readUInt32BE(page + pl.commitOffset));
    const commit = commitWord & 0x3fffffff;
    const start = page + pl.dataOffset;
    const end = start + commit;
    if (end > pageEnd) throw new TraceDatError(fileOffset + page, `page commit ${commit} exceeds the page size ${pageSize}`);
    if ((commitWord & 0x80000000) !== 0) {
      out.missedPages++;
      // RB_MISSED_STORED: the kernel put the count, an unsigned long, right after the data.
      if ((commitWord & 0x40000000) !== 0 && end + pl.commitSize <= pageEnd) {
        out.missedEvents += pl.commitSize === 8
          ? (little ? block.readUInt32LE(end + 4) * 0x100000000 + block.readUInt32LE(end) : block.readUInt32BE(end) * 0x100000000 + block.readUInt32BE(end + 4))
          : (little ? block.readUInt32LE(end) : block.readUInt32BE(end));
      }
    }
    let p = start;
    while (p + 4 <= end) {
      const w = little ? block.readUInt32LE(p) : block.readUInt32BE(p);
      const typeLen = little ? w & 0x1f : w >>> 27;
      const delta = little ? w >>> 5 : w & 0x7ffffff;
      p += 4;
      if (typeLen === 29) {
        if (delta === 0 || p + 4 > end) break; // the rest of the page is padding
        const len = little ? block.readUInt32LE(p) : block.readUInt32BE(p);
        if (len === 0) break;
        p += len;
        continue;
      }
      if (typeLen === 30 || typeLen === 31) {
        if (p + 4 > end) throw new TraceDatError(fileOffset + p, 'truncated time extend');
        const ext = (little ? block.readUInt32LE(p) : block.readUInt32BE(p)) * TS_SHIFT + delta;
        ts = typeLen === 30 ? ts + ext : ext;
        p += 4;
        continue;
      }
      ts += delta;
      let len: number;
      if (typeLen === 0) {
        if (p + 4 > end) throw new TraceDatError(fileOffset + p, 'truncated event length');
        len = (((little ? block.readUInt32LE(p) : block.readUInt32BE(p)) - 4 + 3) & ~3) >>> 0;
        p += 4;
      } else {
        len = typeLen * 4;
      }
      if (p + len > end) throw new TraceDatError(fileOffset + p, `event of ${len} bytes runs past the page commit`);
      out.push(ts, p, len);
      p += len;
    }
  }
}
