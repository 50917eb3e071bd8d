/**
 * Minimal ELF64 reader: section headers, a section's bytes by name, the symbol table.
 * Enough to pull `.BTF` out of a vmlinux and to list a `.bpf.o`'s program sections.
 * Reads through a file descriptor so a 60+ MB vmlinux is never loaded whole.
 */
import * as fs from 'node:fs';

export class ElfError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ElfError';
  }
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: number;
  /** STT_* (0 notype, 1 object, 2 func, 3 section, 4 file). */
  type: number;
  /** STB_* (0 local, 1 global, 2 weak). */
  bind: number;
  sectionIndex: number;
}

const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHF_EXECINSTR = 0x4n;
const SHF_COMPRESSED = 0x800n;
const SHN_XINDEX = 0xffff;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

/** Random access to the bytes of an ELF image, from a file or from memory. */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Buffer;
  close(): void;
}

function fileSource(path: string): ByteSource {
  const fd = fs.openSync(path, 'r');
  const size = fs.fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return done === length ? buf : buf.subarray(0, done);
    },
    close() { fs.closeSync(fd); },
  };
}

function bufferSource(data: Buffer): ByteSource {
  return { size: data.length, read: (o, l) => data.subarray(o, o + l), close() {} };
}

export class ElfFile {
  readonly littleEndian: boolean;
  readonly machine: number;
  readonly sections: ElfSection[];
  private closed = false;

  private constructor(readonly file: string, private readonly src: ByteSource) {
    if (src.size < 64) throw new ElfError(file, `too short for an ELF header (${src.size} bytes)`);
    const ident = src.read(0, 64);
    if (ident.readUInt32BE(0) !== 0x7f454c46) {
      throw new ElfError(file, `not an ELF file (first bytes ${ident.subarray(0, 4).toString('hex')}, want 7f454c46)`);
    }
    if (ident[4] !== 2) throw new ElfError(file, `ELF class ${ident[4]} is not ELF64 (2); 32-bit ELF is not supported`);
    if (ident[5] !== 1 && ident[5] !== 2) throw new ElfError(file, `bad ELF data encoding ${ident[5]} at offset 5`);
    this.littleEndian = ident[5] === 1;
    this.machine = this.u16(ident, 0x12);
    const shoff = this.u64n(ident, 0x28);
    const shentsize = this.u16(ident, 0x3a);
    let shnum = this.u16(ident, 0x3c);
    let shstrndx = this.u16(ident, 0x3e);
    if (shoff === 0) throw new ElfError(file, 'no section header table (e_shoff is 0)');
    if (shentsize !== SHDR_SIZE) throw new ElfError(file, `section header size ${shentsize}, want ${SHDR_SIZE}`);
    // Counts that do not fit 16 bits live in section 0 (ELF gABI "extended section numbering").
    const first = this.readChecked(shoff, SHDR_SIZE, 'section header 0');
    if (shnum === 0) shnum = this.u64n(first, 0x20);
    if (shstrndx === SHN_XINDEX) shstrndx = this.u32(first, 0x28);
    const table = this.readChecked(shoff, shnum * SHDR_SIZE, `section header table (${shnum} entries)`);
    const raw: (Omit<ElfSection, 'name'> & { nameOff: number })[] = [];
    for (let i = 0; i < shnum; i++) {
      const b = i * SHDR_SIZE;
      raw.push({
        index: i,
        nameOff: this.u32(table, b),
        type: this.u32(table, b + 4),
        flags: this.u64(table, b + 8),
        offset: this.u64n(table, b + 0x18),
        size: this.u64n(table, b + 0x20),
        link: this.u32(table, b + 0x28),
        entsize: this.u64n(table, b + 0x38),
      });
    }
    if (shstrndx >= shnum) throw new ElfError(file, `section name table index ${shstrndx} out of range (${shnum} sections)`);
    const strSec = raw[shstrndx];
    const names = this.readChecked(strSec.offset, strSec.size, 'section name table');
    this.sections = raw.map(({ nameOff, ...s }) => ({ ...s, name: cString(names, nameOff) }));
  }

  static open(path: string): ElfFile {
    let src: ByteSource;
    try {
      src = fileSource(path);
    } catch (e) {
      throw new ElfError(path, `cannot open: ${(e as Error).message}`);
    }
    try {
      return new ElfFile(path, src);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  static fromBuffer(data: Buffer, label = '<buffer>'): ElfFile {
    return new ElfFile(label, bufferSource(data));
  }

  close(): void {
    if (!this.closed) this.src.close();
    this.closed = true;
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  sectionData(section: ElfSection): Buffer {
    if (section.type === SHT_NOBITS) return Buffer.alloc(0);
    if (section.flags & SHF_COMPRESSED) {
      throw new ElfError(this.file, `section ${section.name} is compressed (SHF_COMPRESSED); decompress it first (objcopy --decompress-debug-sections)`);
    }
    return this.readChecked(section.offset, section.size, `section ${section.name}`);
  }

  /** Code sections other than `.text`: in a `.bpf.o` these are the programs (`kprobe/tcp_v4_connect`, `fentry/…`). */
  programSections(): string[] {
    return this.sections
      .filter((s) => s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0n && s.name !== '.text')
      .map((s) => s.name);
  }

  symbols(): ElfSymbol[] {
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return [];
    if (symtab.link >= this.sections.length) throw new ElfError(this.file, `symbol table links to missing string section ${symtab.link}`);
    const data = this.sectionData(symtab);
    const strs = this.sectionData(this.sections[symtab.link]);
    const out: ElfSymbol[] = [];
    for (let b = 0; b + SYM_SIZE <= data.length; b += SYM_SIZE) {
      const info = data[b + 4];
      out.push({
        name: cString(strs, this.u32(data, b)),
        type: info & 0xf,
        bind: info >> 4,
        sectionIndex: this.u16(data, b + 6),
        value: this.u64(data, b + 8),
        size: this.u64n(data, b + 16),
      });
    }
    return out;
  }

  private readChecked(offset: number, length: number, what: string): Buffer {
    if (offset + length > this.src.size) {
      throw new ElfError(this.file, `${what} at offset ${offset} (+${length} bytes) runs past the end of the file (${this.src.size} bytes): truncated?`);
    }
    return this.src.read(offset, length);
  }

  private u16(b: Buffer, o: number): number { return this.littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o); }
  private u32(b: Buffer, o: number): number { return this.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o); }
  private u64(b: Buffer, o: number): bigint { return this.littleEndian ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o); }
  private u64n(b: Buffer, o: number): number {
    const v = this.u64(b, o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(this.file, `64-bit field at header offset ${o} is too large (${v})`);
    return Number(v);
  }
}

function cString(buf: Buffer, off: number): string {
  if (off >= buf.length) return '';
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 ? buf.length : end);
}
