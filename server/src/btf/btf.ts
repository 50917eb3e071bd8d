/**
 * BTF reader (Documentation/bpf/btf.rst): raw BTF files such as /sys/kernel/btf/vmlinux and the
 * `.BTF` section of an ELF vmlinux. Opening only indexes where each type starts (one pass over
 * ~150k records); names and C renderings are produced on demand.
 */
import * as fs from 'node:fs';
import { ElfFile, ElfError } from './elf';

export class BtfError extends Error {
  constructor(readonly source: string, message: string, readonly offset?: number) {
    super(`${source}: ${message}${offset === undefined ? '' : ` (BTF offset ${offset})`}`);
    this.name = 'BtfError';
  }
}

const BTF_MAGIC = 0xeb9f;

export enum BtfKind {
  UNKN = 0, INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
  VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15,
  FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19,
}

/** Bytes that follow the 12-byte common header, per kind: fixed part and per-vlen item. */
const EXTRA: Record<number, [fixed: number, perItem: number]> = {
  [BtfKind.INT]: [4, 0], [BtfKind.PTR]: [0, 0], [BtfKind.ARRAY]: [12, 0], [BtfKind.STRUCT]: [0, 12],
  [BtfKind.UNION]: [0, 12], [BtfKind.ENUM]: [0, 8], [BtfKind.FWD]: [0, 0], [BtfKind.TYPEDEF]: [0, 0],
  [BtfKind.VOLATILE]: [0, 0], [BtfKind.CONST]: [0, 0], [BtfKind.RESTRICT]: [0, 0], [BtfKind.FUNC]: [0, 0],
  [BtfKind.FUNC_PROTO]: [0, 8], [BtfKind.VAR]: [4, 0], [BtfKind.DATASEC]: [0, 12], [BtfKind.FLOAT]: [0, 0],
  [BtfKind.DECL_TAG]: [4, 0], [BtfKind.TYPE_TAG]: [0, 0], [BtfKind.ENUM64]: [0, 12],
};

export interface BtfType {
  id: number;
  kind: BtfKind;
  name: string;
  vlen: number;
  kindFlag: boolean;
  /** `size` for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT, otherwise the referenced type id. */
  sizeOrType: number;
}

export interface BtfParam { name: string; type: number }

export interface BtfFuncProto { returnType: number; params: BtfParam[]; variadic: boolean }

export class Btf {
  /** Byte offset (within the type section) of type id i; id 0 is `void` and has none. */
  private readonly offsets: Uint32Array;
  private readonly funcIds = new Map<string, number[]>();
  private readonly strCache = new Map<number, string>();
  readonly littleEndian: boolean;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strLen: number;

  private constructor(readonly data: Buffer, readonly source: string) {
    if (data.length < 24) throw new BtfError(source, `too short for a BTF header (${data.length} bytes)`, 0);
    const magicLE = data.readUInt16LE(0);
    if (magicLE === BTF_MAGIC) this.littleEndian = true;
    else if (data.readUInt16BE(0) === BTF_MAGIC) this.littleEndian = false;
    else throw new BtfError(source, `bad magic 0x${magicLE.toString(16)} (want 0xeb9f): not BTF`, 0);
    const version = data[2];
    if (version !== 1) throw new BtfError(source, `unsupported BTF version ${version} (want 1)`, 2);
    const hdrLen = this.u32(4);
    if (hdrLen < 24 || hdrLen > data.length) throw new BtfError(source, `header length ${hdrLen} is impossible for ${data.length} bytes`, 4);
    const typeOff = this.u32(8), typeLen = this.u32(12), strOff = this.u32(16), strLen = this.u32(20);
    this.typeStart = hdrLen + typeOff;
    this.strStart = hdrLen + strOff;
    this.strLen = strLen;
    if (this.typeStart + typeLen > data.length) {
      throw new BtfError(source, `type section (${typeLen} bytes at ${this.typeStart}) runs past the end (${data.length} bytes): truncated`, this.typeStart);
    }
    if (this.strStart + strLen > data.length) {
      throw new BtfError(source, `string section (${strLen} bytes at ${this.strStart}) runs past the end (${data.length} bytes): truncated`, this.strStart);
    }
    this.offsets = this.indexTypes(typeLen);
  }

  static fromBuffer(data: Buffer, source = '<buffer>'): Btf {
    return new Btf(data, source);
  }

  /** A raw BTF file (magic 0xeB9F) or an ELF file with a `.BTF` section, told apart by the magic. */
  static open(path: string): Btf {
    let head: Buffer;
    try {
      const fd = fs.openSync(path, 'r');
      try {
        head = Buffer.alloc(4);
        fs.readSync(fd, head, 0, 4, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw new BtfError(path, `cannot read: ${(e as Error).message}`);
    }
    if (head.readUInt32BE(0) === 0x7f454c46) return Btf.fromElf(path);
    // sysfs reports size 0 for some files, so read to the end rather than trusting stat.
    return new Btf(fs.readFileSync(path), path);
  }

  static fromElf(path: string): Btf {
    const elf = ElfFile.open(path);
    try {
      const sec = elf.section('.BTF');
      if (!sec) {
        throw new BtfError(path, 'ELF file has no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF, or stripped)');
      }
      return new Btf(elf.sectionData(sec), `${path} [.BTF]`);
    } catch (e) {
      if (e instanceof ElfError) throw new BtfError(path, e.message.replace(`${path}: `, ''));
      throw e;
    } finally {
      elf.close();
    }
  }

  /** Number of type ids including `void` (id 0). */
  get typeCount(): number { return this.offsets.length; }

  funcNames(): IterableIterator<string> { return this.funcIds.keys(); }
  get funcCount(): number {
    let n = 0;
    for (const ids of this.funcIds.values()) n += ids.length;
    return n;
  }
  hasFunc(name: string): boolean { return this.funcIds.has(name); }

  private typedefNames: Set<string> | undefined;
  /** A TYPEDEF of this name exists; built on first use (tracepoints show up as `btf_trace_<name>` typedefs). */
  hasTypedef(name: string): boolean {
    if (!this.typedefNames) {
      const names = new Set<string>();
      for (let id = 1; id < this.offsets.length; id++) {
        const info = this.u32(this.typeStart + this.offsets[id] + 4);
        if (((info >>> 24) & 0x1f) === BtfKind.TYPEDEF) names.add(this.str(this.u32(this.typeStart + this.offsets[id])));
      }
      this.typedefNames = names;
    }
    return this.typedefNames.has(name);
  }
  funcIdsOf(name: string): readonly number[] { return this.funcIds.get(name) ?? []; }

  type(id: number): BtfType {
    if (id === 0) return { id: 0, kind: BtfKind.UNKN, name: 'void', vlen: 0, kindFlag: false, sizeOrType: 0 };
    if (id < 0 || id >= this.offsets.length) throw new BtfError(this.source, `type id ${id} out of range (1..${this.offsets.length - 1})`);
    const o = this.typeStart + this.offsets[id];
    const info = this.u32(o + 4);
    return {
      id,
      kind: (info >>> 24) & 0x1f,
      name: this.str(this.u32(o)),
      vlen: info & 0xffff,
      kindFlag: (info >>> 31) === 1,
      sizeOrType: this.u32(o + 8),
    };
  }

  /** Parameters of a FUNC_PROTO (or of the proto a FUNC points at). */
  funcProto(id: number): BtfFuncProto {
    let t = this.type(id);
    if (t.kind === BtfKind.FUNC) t = this.type(t.sizeOrType);
    if (t.kind !== BtfKind.FUNC_PROTO) throw new BtfError(this.source, `type ${id} is ${BtfKind[t.kind]}, not FUNC or FUNC_PROTO`);
    const base = this.typeStart + this.offsets[t.id] + 12;
    const params: BtfParam[] = [];
    let variadic = false;
    for (let i = 0; i < t.vlen; i++) {
      const name = this.str(this.u32(base + i * 8));
      const type = this.u32(base + i * 8 + 4);
      // A trailing param with type 0 and no name is how BTF spells `...`.
      if (type === 0 && i === t.vlen - 1 && name === '') variadic = true;
      else params.push({ name, type });
    }
    return { returnType: t.sizeOrType, params, variadic };
  }

  /** C prototype of a FUNC: `int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)`. */
  prototype(name: string): string | undefined {
    const id = this.funcIds.get(name)?.[0];
    return id === undefined ? undefined : this.renderFunc(id);
  }

  renderFunc(id: number): string {
    const fn = this.type(id);
    const proto = this.funcProto(id);
    return this.declaration(proto.returnType, `${fn.name}(${this.paramList(proto)})`);
  }

  /** A type as C, declaring `inner` (a name, or '' for an abstract declarator). */
  declaration(typeId: number, inner = ''): string {
    return this.decl(typeId, inner, 0);
  }

  private paramList(proto: BtfFuncProto): string {
    const parts = proto.params.map((p) => this.declaration(p.type, p.name));
    if (proto.variadic) parts.push('...');
    return parts.length ? parts.join(', ') : 'void';
  }

  private decl(id: number, inner: string, depth: number): string {
    if (depth > 64) throw new BtfError(this.source, `type ${id}: reference chain deeper than 64 (cycle?)`);
    const withName = (base: string) => (inner ? `${base} ${inner}` : base);
    const grouped = () => (inner.startsWith('*') ? `(${inner})` : inner);
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.UNKN: return withName('void');
      case BtfKind.INT: case BtfKind.FLOAT: case BtfKind.TYPEDEF: return withName(t.name || '<anon>');
      case BtfKind.STRUCT: return withName(t.name ? `struct ${t.name}` : 'struct {...}');
      case BtfKind.UNION: return withName(t.name ? `union ${t.name}` : 'union {...}');
      case BtfKind.ENUM: case BtfKind.ENUM64: return withName(t.name ? `enum ${t.name}` : 'enum {...}');
      case BtfKind.FWD: return withName(`${t.kindFlag ? 'union' : 'struct'} ${t.name}`);
      case BtfKind.PTR: return this.decl(t.sizeOrType, `*${inner}`, depth + 1);
      case BtfKind.CONST: case BtfKind.VOLATILE: case BtfKind.RESTRICT: {
        const q = t.kind === BtfKind.CONST ? 'const' : t.kind === BtfKind.VOLATILE ? 'volatile' : 'restrict';
        // Qualifying a pointer goes after the star (`char *const p`); anything else before the type.
        if (this.resolvesToPointer(t.sizeOrType)) return this.decl(t.sizeOrType, inner ? `${q} ${inner}` : q, depth + 1);
        return `${q} ${this.decl(t.sizeOrType, inner, depth + 1)}`;
      }
      case BtfKind.TYPE_TAG: return this.decl(t.sizeOrType, inner, depth + 1);
      case BtfKind.ARRAY: {
        const o = this.typeStart + this.offsets[id] + 12;
        return this.decl(this.u32(o), `${grouped()}[${this.u32(o + 8)}]`, depth + 1);
      }
      case BtfKind.FUNC_PROTO: {
        const proto = this.funcProto(id);
        return this.decl(proto.returnType, `${grouped()}(${this.paramList(proto)})`, depth + 1);
      }
      case BtfKind.FUNC: return this.renderFunc(id);
      default: return withName(`<${BtfKind[t.kind] ?? t.kind} ${t.name}>`);
    }
  }

  private resolvesToPointer(id: number): boolean {
    for (let d = 0; d < 64 && id !== 0; d++) {
      const t = this.type(id);
      if (t.kind === BtfKind.PTR) return true;
      if (t.kind !== BtfKind.TYPE_TAG && t.kind !== BtfKind.CONST && t.kind !== BtfKind.VOLATILE && t.kind !== BtfKind.RESTRICT) return false;
      id = t.sizeOrType;
    }
    return false;
  }

  private indexTypes(typeLen: number): Uint32Array {
    let offsets = new Uint32Array(1 << 16);
    let count = 1;
    let o = 0;
    const base = this.typeStart;
    while (o < typeLen) {
      if (o + 12 > typeLen) throw new BtfError(this.source, `type ${count} header cut short: truncated type section`, base + o);
      const info = this.u32(base + o + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const extra = EXTRA[kind];
      if (!extra) throw new BtfError(this.source, `type ${count} has unknown kind ${kind}`, base + o);
      const size = 12 + extra[0] + extra[1] * vlen;
      if (o + size > typeLen) throw new BtfError(this.source, `type ${count} (${BtfKind[kind]}) needs ${size} bytes, only ${typeLen - o} left: truncated type section`, base + o);
      if (count === offsets.length) {
        const grown = new Uint32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[count] = o;
      if (kind === BtfKind.FUNC) {
        const nameOff = this.u32(base + o);
        if (nameOff >= this.strLen) throw new BtfError(this.source, `FUNC type ${count} name offset ${nameOff} outside the string section (${this.strLen} bytes)`, base + o);
        const name = this.str(nameOff);
        const ids = this.funcIds.get(name);
        if (ids) ids.push(count);
        else this.funcIds.set(name, [count]);
      }
      count++;
      o += size;
    }
    return offsets.slice(0, count);
  }

  private str(off: number): string {
    if (off === 0) return '';
    const hit = this.strCache.get(off);
    if (hit !== undefined) return hit;
    if (off >= this.strLen) throw new BtfError(this.source, `string offset ${off} outside the string section (${this.strLen} bytes)`);
    const start = this.strStart + off;
    const end = this.data.indexOf(0, start);
    if (end < 0 || end >= this.strStart + this.strLen) throw new BtfError(this.source, `string at offset ${off} is not NUL-terminated`);
    const s = this.data.toString('latin1', start, end);
    this.strCache.set(off, s);
    return s;
  }

  private u32(o: number): number {
    return this.littleEndian ? this.data.readUInt32LE(o) : this.data.readUInt32BE(o);
  }
}
