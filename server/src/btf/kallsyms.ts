/**
 * Symbol lists of a built kernel: /proc/kallsyms and System.map (`addr type name [module]`) and
 * tracefs `available_filter_functions` (`name [module]`). Compiler clones (`tcp_foo.isra.0`,
 * `bar.constprop.0.cold`) are mapped to the source name they came from, and names defined by
 * several text symbols (static functions of the same name in different files) are flagged,
 * because a probe on such a name is ambiguous.
 */
import * as fs from 'node:fs';

export interface KernelSymbol {
  name: string;
  /** Name with compiler clone suffixes removed; equals `name` for ordinary symbols. */
  base: string;
  /** nm-style type letter (`T`, `t`, `W`, …); `?` for available_filter_functions. */
  type: string;
  address: bigint;
  module?: string;
  line: number;
}

export interface SymbolSource {
  /** Human-readable origin: "/proc/kallsyms", "System.map-6.1.0-56-amd64". */
  label: string;
  format: 'kallsyms' | 'filter-functions';
}

export class SymbolTable {
  /** Text symbols by base name (the exact symbol plus its clones). */
  private readonly byBase = new Map<string, KernelSymbol[]>();
  readonly textCount: number;

  constructor(
    readonly source: SymbolSource,
    readonly symbols: KernelSymbol[],
    readonly skipped: number,
    readonly firstBadLine: number | undefined,
  ) {
    let n = 0;
    for (const s of symbols) {
      if (!isText(s.type)) continue;
      n++;
      const list = this.byBase.get(s.base);
      if (list) list.push(s);
      else this.byBase.set(s.base, [s]);
    }
    this.textCount = n;
  }

  /** A text symbol of exactly this name exists (no clone needed). */
  hasExact(name: string): boolean {
    return this.byBase.get(name)?.some((s) => s.name === name) ?? false;
  }

  /** The name or one of its clones exists as a text symbol. */
  has(name: string): boolean { return this.byBase.has(name); }

  /** Clone symbol names that map to this base name (`foo.isra.0`), without duplicates. */
  clones(name: string): string[] {
    const out = new Set<string>();
    for (const s of this.byBase.get(name) ?? []) if (s.name !== name) out.add(s.name);
    return [...out];
  }

  /** Number of text symbols spelled exactly `name`; more than one is a collision. */
  exactCount(name: string): number {
    return this.byBase.get(name)?.filter((s) => s.name === name).length ?? 0;
  }

  /** Modules defining the name, `vmlinux` for the core kernel. */
  modules(name: string): string[] {
    return [...new Set((this.byBase.get(name) ?? []).map((s) => s.module ?? 'vmlinux'))];
  }

  textBaseNames(): IterableIterator<string> { return this.byBase.keys(); }

  /** Names spelled exactly by more than one text symbol. */
  collisions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [base, list] of this.byBase) {
      const n = list.filter((s) => s.name === base).length;
      if (n > 1) out.set(base, n);
    }
    return out;
  }
}

function isText(type: string): boolean {
  return type === 'T' || type === 't' || type === 'W' || type === 'w' || type === '?';
}

/** One compiler-made clone suffix: GCC's IPA clones, hot/cold splitting, LLVM's LTO promotion. */
const CLONE_SUFFIX = /\.(?:isra\.\d+|constprop\.\d+|part\.\d+|cold(?:\.\d+)?|llvm\.\d+|lto_priv\.\d+)/y;

/**
 * `tcp_foo.constprop.0.isra.0` → `tcp_foo`. Only a name whose whole tail is clone suffixes is
 * mapped; other dotted names (`CSWTCH.123`, `__func__.1`) are returned unchanged.
 */
export function cloneBase(name: string): string {
  const dot = name.indexOf('.');
  if (dot <= 0) return name;
  let i = dot;
  while (i < name.length) {
    CLONE_SUFFIX.lastIndex = i;
    const m = CLONE_SUFFIX.exec(name);
    if (!m) return name;
    i += m[0].length;
  }
  return name.slice(0, dot);
}

const KALLSYMS_LINE = /^([0-9a-fA-F]{1,16})\s+([A-Za-z?])\s+(\S+)(?:\s+\[([^\]\s]+)\])?\s*$/;
const FILTER_LINE = /^([^\s[\]]+)(?:\s+\[([^\]\s]+)\])?\s*$/;

/** Parse /proc/kallsyms or System.map text. Blank lines are ignored; malformed ones are counted. */
export function parseKallsyms(text: string, label: string): SymbolTable {
  return parseSymbolLines(text, label, 'kallsyms', KALLSYMS_LINE, (m, line) =>
    ({ name: m[3], base: cloneBase(m[3]), type: m[2], address: BigInt('0x' + m[1]), module: m[4], line }));
}

/** Parse tracefs available_filter_functions (`name` or `name [module]` per line). */
export function parseFilterFunctions(text: string, label: string): SymbolTable {
  return parseSymbolLines(text, label, 'filter-functions', FILTER_LINE, (m, line) =>
    ({ name: m[1], base: cloneBase(m[1]), type: '?', address: 0n, module: m[2], line }));
}

function parseSymbolLines(text: string, label: string, format: 'kallsyms' | 'filter-functions', re: RegExp, toSymbol: (m: RegExpExecArray, line: number) => KernelSymbol): SymbolTable {
  const symbols: KernelSymbol[] = [];
  let skipped = 0;
  let firstBad: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const m = re.exec(line);
    if (!m) {
      skipped++;
      firstBad ??= i + 1;
      continue;
    }
    symbols.push(toSymbol(m, i + 1));
  }
  return new SymbolTable({ label, format }, symbols, skipped, firstBad);
}

/** Read a symbol file, choosing the format from its first non-blank line. */
export function readSymbolFile(path: string, label = path): SymbolTable {
  let text: string;
  try {
    text = fs.readFileSync(path, 'latin1');
  } catch (e) {
    throw new Error(`${path}: cannot read symbol list: ${(e as Error).message}`);
  }
  const first = text.split('\n', 50).find((l) => l.trim() !== '') ?? '';
  return KALLSYMS_LINE.test(first) || !FILTER_LINE.test(first) ? parseKallsyms(text, label) : parseFilterFunctions(text, label);
}
