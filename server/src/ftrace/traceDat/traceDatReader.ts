/**
 * Reads a trace.dat natively: metadata, then every CPU's events merged by timestamp (as
 * `trace-cmd report` orders them). Memory: one decoded block per CPU.
 */
import type * as fs from 'node:fs';
import { CpuBlocks } from './cpuBlocks';
import { TraceDatError } from './errors';
import { EventFormat, FieldFormat, parseEventFormat } from './eventFormat';
import { readLayout, type TraceDatLayout } from './layout';
import { decodePages, EventBatch, PageLayout, parsePageLayout } from './ringPage';
import { AddressSymbols } from './symbols';

/** The record handed to the callback; one object, overwritten for every event. */
export interface TraceDatRecord {
  cpu: number;
  tsNs: number;
  type: number;
  format: EventFormat | null;
  pid: number;
  data: Buffer;
  offset: number;
  size: number;
}

export interface ReadOptions { signal?: AbortSignal; onProgress?: (bytesRead: number, totalBytes: number) => void }

export class TraceDat {
  readonly formats = new Map<number, EventFormat>();
  readonly comms = new Map<number, string>();
  readonly symbols: AddressSymbols;
  private readonly page: PageLayout;
  private readonly typeField: { offset: number; size: number };
  private readonly pidField: { offset: number; size: number };

  private constructor(private readonly fh: fs.promises.FileHandle, readonly total: number, readonly layout: TraceDatLayout) {
    for (const f of layout.ftraceFormats) this.add(parseEventFormat(f.text, 'ftrace', f.offset));
    for (const f of layout.eventFormats) this.add(parseEventFormat(f.text, f.system, f.offset));
    for (const line of layout.cmdlines.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) this.comms.set(Number(line.slice(0, sp)), line.slice(sp + 1));
    }
    this.symbols = new AddressSymbols(layout.kallsyms);
    this.page = parsePageLayout(layout.headerPage);
    const any = this.formats.values().next().value as EventFormat | undefined;
    this.typeField = any?.fields.get('common_type') ?? { offset: 0, size: 2 };
    this.pidField = any?.fields.get('common_pid') ?? { offset: 4, size: 4 };
  }

  static async open(fh: fs.promises.FileHandle, total: number): Promise<TraceDat> {
    return new TraceDat(fh, total, await readLayout(fh, total));
  }

  /** What the pages read by forEach said was lost: pages marked, and the counts they stored. */
  lost = { drops: 0, events: 0 };

  /** Calls `cb` for every event in timestamp order (ties: lower CPU first). */
  async forEach(cb: (r: TraceDatRecord) => void, opts: ReadOptions = {}): Promise<void> {
    const l = this.layout;
    const cpus = l.cpus.filter((c) => c.size > 0).map((c) => ({ src: new CpuBlocks(this.fh, l, c), batch: new EventBatch(), i: 0, done: false }));
    for (const c of cpus) await this.refill(c);
    const rec: TraceDatRecord = { cpu: 0, tsNs: 0, type: 0, format: null, pid: 0, data: Buffer.alloc(0), offset: 0, size: 0 };
    const little = l.little;
    let progressAt = 0;
    for (;;) {
      let best = -1;
      let bestTs = Infinity;
      for (let k = 0; k < cpus.length; k++) {
        const c = cpus[k];
        if (!c.done && c.batch.ts[c.i] < bestTs) { bestTs = c.batch.ts[c.i]; best = k; }
      }
      if (best < 0) break;
      const c = cpus[best];
      const b = c.batch;
      const off = b.offset[c.i];
      const blk = b.block;
      rec.cpu = c.src.data.cpu;
      rec.tsNs = bestTs;
      rec.data = blk;
      rec.offset = off;
      rec.size = b.size[c.i];
      rec.type = this.typeField.size === 2 && off + 2 <= blk.length ? (little ? blk.readUInt16LE(off) : blk.readUInt16BE(off)) : -1;
      rec.format = this.formats.get(rec.type) ?? null;
      const po = off + this.pidField.offset;
      rec.pid = po + 4 <= off + rec.size ? (little ? blk.readInt32LE(po) : blk.readInt32BE(po)) : -1;
      cb(rec);
      if (++c.i >= b.count) {
        opts.signal?.throwIfAborted();
        await this.refill(c);
        const read = cpus.reduce((n, x) => n + x.src.bytesRead, 0);
        if (opts.onProgress && read !== progressAt) { progressAt = read; opts.onProgress(read, this.total); }
      }
    }
    this.lost = { drops: 0, events: 0 };
    for (const c of cpus) {
      this.lost.drops += c.batch.missedPages;
      this.lost.events += c.batch.missedEvents;
    }
  }

  /** The halves of the address field `f` last read by `address`. */
  addrHi = 0;
  addrLo = 0;

  /** Reads the address field `f` of `r` into `addrHi`/`addrLo`; false when the record is too short. */
  address(r: TraceDatRecord, f: FieldFormat): boolean {
    if (f.offset + f.size > r.size) return false;
    const p = r.offset + f.offset;
    const d = r.data;
    const le = this.layout.little;
    if (f.size === 8) {
      this.addrHi = le ? d.readUInt32LE(p + 4) : d.readUInt32BE(p);
      this.addrLo = le ? d.readUInt32LE(p) : d.readUInt32BE(p + 4);
      return true;
    }
    if (f.size !== 4) return false;
    this.addrHi = 0;
    this.addrLo = le ? d.readUInt32LE(p) : d.readUInt32BE(p);
    return true;
  }

  /** Field `f` of `r` as a number (exact below 2^53: depths, nanosecond times), NaN when absent. */
  number(r: TraceDatRecord, f: FieldFormat | undefined): number {
    if (f === undefined || f.offset + f.size > r.size) return NaN;
    const p = r.offset + f.offset;
    const d = r.data;
    const le = this.layout.little;
    switch (f.size) {
      case 8: {
        const hi = le ? d.readUInt32LE(p + 4) : d.readUInt32BE(p);
        const lo = le ? d.readUInt32LE(p) : d.readUInt32BE(p + 4);
        return f.signed && hi >= 0x80000000 ? (hi - 0x100000000) * 0x100000000 + lo : hi * 0x100000000 + lo;
      }
      case 4: return f.signed ? (le ? d.readInt32LE(p) : d.readInt32BE(p)) : (le ? d.readUInt32LE(p) : d.readUInt32BE(p));
      case 2: return f.signed ? (le ? d.readInt16LE(p) : d.readInt16BE(p)) : (le ? d.readUInt16LE(p) : d.readUInt16BE(p));
      case 1: return f.signed ? d.readInt8(p) : d[p];
      default: return NaN;
    }
  }

  private add(f: EventFormat): void { this.formats.set(f.id, f); }

  private async refill(c: { src: CpuBlocks; batch: EventBatch; i: number; done: boolean }): Promise<void> {
    for (;;) {
      const block = await c.src.next();
      if (block === null) { c.done = true; return; }
      if (block.length % this.layout.pageSize !== 0 && !this.layout.chunked) {
        throw new TraceDatError(c.src.blockOffset, `cpu data is not a whole number of ${this.layout.pageSize}-byte pages`);
      }
      decodePages(block, this.layout.pageSize, this.page, this.layout.little, c.batch, c.src.blockOffset);
      c.i = 0;
      if (c.batch.count > 0) return;
    }
  }
}
