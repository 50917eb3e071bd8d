/**
 * The metadata of a trace.dat: initial header, event formats, kallsyms, cmdlines and where
 * each CPU's ring-buffer pages are. Version 6 stores it all sequentially; version 7 stores
 * sections (optionally compressed) reached through chained OPTIONS sections.
 * Layout per trace-cmd.dat.v6(5) and trace-cmd.dat.v7(5).
 */
import type * as fs from 'node:fs';
import { Bytes } from './bytes';
import { Decompressor, decompressorFor } from './decompress';
import { TraceDatError } from './errors';

export interface CpuData { cpu: number; offset: number; size: number }

export interface TraceDatLayout {
  version: number;
  little: boolean;
  longSize: number;
  pageSize: number;
  compression: string;
  headerPage: string;
  ftraceFormats: { text: string; offset: number }[];
  eventFormats: { system: string; text: string; offset: number }[];
  kallsyms: string;
  cmdlines: string;
  clock: string;
  cpus: CpuData[];
  /** Per-CPU data is a sequence of compressed chunks (v7 with compression). */
  chunked: boolean;
  decompress: Decompressor | null;
  /** Offset of the text of a latency-tracer capture, when the file holds one instead of pages. */
  latencyTextOffset: number;
  /** Instances other than the top one, which this reader does not import. */
  otherInstances: string[];
}

const MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

export async function readLayout(fh: fs.promises.FileHandle, total: number): Promise<TraceDatLayout> {
  const head = await readAt(fh, 0, Math.min(total, 4096));
  if (head.length < 12 || !head.subarray(0, 10).equals(MAGIC)) throw new TraceDatError(0, 'not a trace.dat file (bad magic)');
  const verEnd = head.indexOf(0, 10);
  if (verEnd < 0 || verEnd > 20) throw new TraceDatError(10, 'unterminated version string');
  const version = Number(head.toString('latin1', 10, verEnd));
  if (version !== 6 && version !== 7) throw new TraceDatError(10, `trace.dat version ${JSON.stringify(head.toString('latin1', 10, verEnd))} is not supported (6 and 7 are)`);
  if (version === 6) return readV6(fh, total);
  return readV7(fh, total, head, verEnd + 1);
}

async function readV6(fh: fs.promises.FileHandle, total: number): Promise<TraceDatLayout> {
  // The metadata runs up to the first CPU's pages; its length is only known once parsed, so
  // parse a prefix and grow it until the parse no longer runs off its end.
  for (let want = Math.min(total, 8 << 20); ; want = Math.min(total, want * 4)) {
    const buf = await readAt(fh, 0, want);
    try {
      return parseV6(buf, total);
    } catch (e) {
      if (!(e instanceof TraceDatError) || !/truncated|unterminated/.test(e.message) || want >= total) throw e;
    }
  }
}

function parseV6(buf: Buffer, total: number): TraceDatLayout {
  const verEnd = buf.indexOf(0, 10);
  const little = endian(buf, verEnd + 1);
  const b = new Bytes(buf, little);
  b.pos = verEnd + 3;
  const longSize = buf[verEnd + 2];
  const pageSize = b.u32('page size');
  const l = emptyLayout(6, little, longSize, pageSize, 'none');
  headerInfo(b, l);
  ftraceFormats(b, l);
  eventFormats(b, l);
  l.kallsyms = b.text(b.u32('kallsyms size'), 'kallsyms');
  b.text(b.u32('printk size'), 'printk formats');
  l.cmdlines = b.text(b.u64('cmdlines size'), 'cmdlines');
  const ncpus = b.u32('cpu count');
  if (ncpus > 65536) throw new TraceDatError(b.pos - 4, `cpu count ${ncpus} is implausible`);
  let tag = b.text(10, 'section tag');
  if (tag === 'options  \0') {
    for (;;) {
      const id = b.u16('option id');
      if (id === 0) break;
      const data = b.bytes(b.u32('option size'), 'option data');
      if (id === 4) l.clock = clockName(data);
    }
    tag = b.text(10, 'section tag');
  }
  if (tag === 'latency  \0') { l.latencyTextOffset = b.pos; return l; }
  if (tag !== 'flyrecord\0') throw new TraceDatError(b.pos - 10, `expected "flyrecord" or "latency", found ${JSON.stringify(tag)}`);
  for (let cpu = 0; cpu < ncpus; cpu++) {
    const at = b.pos;
    const offset = b.u64('cpu data offset');
    const size = b.u64('cpu data size');
    if (offset + size > total) throw new TraceDatError(at, `cpu ${cpu} data [${offset}, +${size}) lies beyond the file end ${total}`);
    l.cpus.push({ cpu, offset, size });
  }
  return l;
}

async function readV7(fh: fs.promises.FileHandle, total: number, head: Buffer, p: number): Promise<TraceDatLayout> {
  const little = endian(head, p);
  const b = new Bytes(head, little);
  b.pos = p + 2;
  const longSize = head[p + 1];
  const pageSize = b.u32('page size');
  const compression = b.cstring('compression name');
  b.cstring('compression version');
  const l = emptyLayout(7, little, longSize, pageSize, compression);
  l.decompress = decompressorFor(compression, b.pos);
  let next = b.u64('first options offset');
  const seen = new Set<number>();
  const sectionAt = new Map<number, number>();
  let buffer: Buffer | null = null;
  let bufferAt = 0;
  while (next !== 0) {
    if (seen.has(next)) throw new TraceDatError(next, 'options sections form a loop');
    seen.add(next);
    const sec = await readSection(fh, total, l, next);
    if (sec.id !== 0) throw new TraceDatError(next, `expected an OPTIONS section, found section id ${sec.id}`);
    const o = new Bytes(sec.data, little, sec.dataOffset);
    next = 0;
    while (o.remaining > 0) {
      const id = o.u16('option id');
      const size = o.u32('option size');
      const at = o.pos;
      const data = o.bytes(size, 'option data');
      const d = new Bytes(data, little, sec.dataOffset + at);
      if (id === 0) { next = d.u64('next options offset'); break; }
      if (id >= 16 && id <= 21) sectionAt.set(id, d.u64('section offset'));
      else if (id === 4) l.clock = clockName(data);
      else if (id === 3) {
        d.pos = 8;
        const name = d.cstring('buffer name');
        if (name === '') { buffer = data; bufferAt = sec.dataOffset + at; } else l.otherInstances.push(name);
      } else if (id === 22) {
        l.latencyTextOffset = d.u64('latency section offset');
      }
    }
  }
  for (const [id, off] of sectionAt) {
    const sec = await readSection(fh, total, l, off);
    if (sec.id !== id) throw new TraceDatError(off, `option ${id} points at a section with id ${sec.id}`);
    const s = new Bytes(sec.data, little, sec.dataOffset);
    if (id === 16) headerInfo(s, l);
    else if (id === 17) ftraceFormats(s, l);
    else if (id === 18) eventFormats(s, l);
    else if (id === 19) l.kallsyms = s.text(s.u32('kallsyms size'), 'kallsyms');
    else if (id === 21) l.cmdlines = s.text(s.u64('cmdlines size'), 'cmdlines');
  }
  if (l.latencyTextOffset > 0) {
    const sec = await readSectionHeader(fh, total, l.latencyTextOffset, little);
    l.latencyTextOffset = sec.dataOffset;
    return l;
  }
  if (buffer === null) throw new TraceDatError(0, 'no BUFFER option for the top instance: the file holds no trace data');
  const d = new Bytes(buffer, little, bufferAt);
  const flyAt = d.u64('buffer offset');
  d.cstring('buffer name');
  l.clock = d.cstring('buffer clock') || l.clock;
  const bufPage = d.u32('buffer page size');
  if (bufPage !== pageSize) l.pageSize = bufPage;
  const n = d.u32('buffer cpu count');
  if (n > 65536) throw new TraceDatError(bufferAt, `cpu count ${n} is implausible`);
  for (let i = 0; i < n; i++) {
    const cpu = d.u32('cpu id');
    const offset = d.u64('cpu data offset');
    const size = d.u64('cpu data size');
    if (offset + size > total) throw new TraceDatError(bufferAt, `cpu ${cpu} data [${offset}, +${size}) lies beyond the file end ${total}`);
    l.cpus.push({ cpu, offset, size });
  }
  const fly = await readSectionHeader(fh, total, flyAt, little);
  l.chunked = (fly.flags & 1) !== 0;
  if (l.chunked && l.decompress === null) throw new TraceDatError(flyAt, 'compressed trace data in a file that names no compression');
  return l;
}

interface Section { id: number; flags: number; data: Buffer; dataOffset: number }

async function readSectionHeader(fh: fs.promises.FileHandle, total: number, at: number, little: boolean): Promise<{ id: number; flags: number; dataOffset: number }> {
  if (at + 16 > total) throw new TraceDatError(at, `section header beyond the file end ${total}`);
  const h = new Bytes(await readAt(fh, at, 16), little, at);
  const id = h.u16('section id');
  return { id, flags: h.u16('section flags'), dataOffset: at + 16 };
}

async function readSection(fh: fs.promises.FileHandle, total: number, l: TraceDatLayout, at: number): Promise<Section> {
  if (at + 16 > total) throw new TraceDatError(at, `section header beyond the file end ${total}`);
  const h = new Bytes(await readAt(fh, at, 16), l.little, at);
  const id = h.u16('section id');
  const flags = h.u16('section flags');
  h.u32('section string id');
  const size = h.u64('section size');
  const dataOffset = at + 16;
  if (dataOffset + size > total) throw new TraceDatError(at, `section of ${size} bytes runs past the file end ${total}`);
  const raw = await readAt(fh, dataOffset, size);
  if ((flags & 1) === 0) return { id, flags, data: raw, dataOffset };
  if (l.decompress === null) throw new TraceDatError(at, 'compressed section in a file that names no compression');
  const c = new Bytes(raw, l.little, dataOffset);
  const csize = c.u32('compressed size');
  const usize = c.u32('uncompressed size');
  return { id, flags, data: l.decompress(c.bytes(csize, 'compressed section'), usize, dataOffset), dataOffset };
}

function headerInfo(b: Bytes, l: TraceDatLayout): void {
  const tag = b.text(12, 'header_page tag');
  if (tag !== 'header_page\0') throw new TraceDatError(b.base + b.pos - 12, `expected "header_page", found ${JSON.stringify(tag)}`);
  l.headerPage = b.text(b.u64('header_page size'), 'header_page');
  const tag2 = b.text(13, 'header_event tag');
  if (tag2 !== 'header_event\0') throw new TraceDatError(b.base + b.pos - 13, `expected "header_event", found ${JSON.stringify(tag2)}`);
  b.text(b.u64('header_event size'), 'header_event');
}

function ftraceFormats(b: Bytes, l: TraceDatLayout): void {
  const n = b.u32('ftrace format count');
  for (let i = 0; i < n; i++) {
    const size = b.u64('ftrace format size');
    const offset = b.base + b.pos;
    l.ftraceFormats.push({ text: b.text(size, 'ftrace format'), offset });
  }
}

function eventFormats(b: Bytes, l: TraceDatLayout): void {
  const systems = b.u32('event system count');
  for (let i = 0; i < systems; i++) {
    const system = b.cstring('event system name');
    const n = b.u32('event count');
    for (let j = 0; j < n; j++) {
      const size = b.u64('event format size');
      const offset = b.base + b.pos;
      l.eventFormats.push({ system, text: b.text(size, 'event format'), offset });
    }
  }
}

function endian(buf: Buffer, p: number): boolean {
  if (p + 6 > buf.length) throw new TraceDatError(p, 'truncated initial header');
  const e = buf[p];
  if (e !== 0 && e !== 1) throw new TraceDatError(p, `endianness byte ${e} is neither 0 nor 1`);
  const longSize = buf[p + 1];
  if (longSize !== 4 && longSize !== 8) throw new TraceDatError(p + 1, `long size ${longSize} is neither 4 nor 8`);
  return e === 0;
}

function clockName(data: Buffer): string {
  // trace_clock content: `[local] global counter`; the bracketed one is in use.
  const s = data.toString('latin1').replace(/\0+$/, '');
  return /\[([^\]]+)\]/.exec(s)?.[1] ?? s.trim();
}

function emptyLayout(version: number, little: boolean, longSize: number, pageSize: number, compression: string): TraceDatLayout {
  if (pageSize < 64 || pageSize > (1 << 24) || (pageSize & (pageSize - 1)) !== 0) throw new TraceDatError(0, `page size ${pageSize} is not a power of two in [64, 16M]`);
  return {
    version, little, longSize, pageSize, compression, headerPage: '', ftraceFormats: [], eventFormats: [], kallsyms: '',
    cmdlines: '', clock: '', cpus: [], chunked: false, decompress: null, latencyTextOffset: 0, otherInstances: [],
  };
}

export async function readAt(fh: fs.promises.FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}
