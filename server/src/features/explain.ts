/**
 * What the index knows about one function name, as a stable JSON shape. The hover renders it, and
 * `kpn explain --json` prints it: keep existing fields stable, scripts depend on them (README).
 */
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef, OpsAssignment } from '../index/model';

export interface OpsRef { instance: string; struct: string; field: string; file: string; line: number }

export interface Explanation {
  name: string;
  /** Relative to the tree root. */
  file: string;
  /** 1-based, the line of the name. */
  line: number;
  signature: string;
  returnType: string;
  params: { type: string; name: string }[];
  qualifiers: string[];
  static: boolean;
  inline: boolean;
  exported: string | null;
  syscall: { name: string; nargs: number; compat: boolean; symbols: string[] } | null;
  ops: OpsRef[];
  /** Number of direct call sites of the name in the tree. */
  callers: number;
  tracepoints: string[];
  /** Other definitions of the same name (static functions in other files, #ifdef alternatives). */
  otherDefinitions: { file: string; line: number }[];
  /** What the user asked for, when it differs from `name` (`__x64_sys_connect`, `foo.isra.0`). */
  query?: string;
}

export function toOpsRef(o: OpsAssignment): OpsRef {
  return { instance: o.instance, struct: o.struct, field: o.field, file: o.file, line: o.pos.line + 1 };
}

export function explainDefinition(index: KernelIndex, fn: FunctionDef, all: readonly FunctionDef[], query?: string): Explanation {
  const e: Explanation = {
    name: fn.name,
    file: fn.file,
    line: fn.nameSpan.start.line + 1,
    signature: fn.signature,
    returnType: fn.returnType,
    params: fn.params,
    qualifiers: fn.qualifiers,
    static: fn.qualifiers.includes('static'),
    inline: fn.qualifiers.includes('inline') || fn.qualifiers.includes('__always_inline'),
    exported: fn.exported ?? null,
    syscall: fn.syscall ?? null,
    ops: index.opsOf(fn.name).map(toOpsRef),
    callers: index.callCount(fn.name),
    tracepoints: [...new Set(index.tracepointCallsIn(fn).map((t) => t.name))],
    otherDefinitions: all.filter((d) => d !== fn).map((d) => ({ file: d.file, line: d.nameSpan.start.line + 1 })),
  };
  if (query && query !== fn.name) e.query = query;
  return e;
}

/** Every definition of a name, most relevant first (a `.c` file over a header, then by path). */
export function explain(index: KernelIndex, symbol: string): Explanation[] {
  const defs = [...index.resolve(symbol)].sort(byRelevance);
  return defs.map((d) => explainDefinition(index, d, defs, symbol));
}

/**
 * The most relevant definition (the first in `file`, when given) explained alone: names like
 * `main` have hundreds of definitions, and explaining each costs lookups for all the others.
 */
export function explainBest(index: KernelIndex, symbol: string, file?: string): Explanation | undefined {
  const defs = [...index.resolve(symbol)].sort(byRelevance);
  const best = file ? defs.find((d) => d.file === file) : defs[0];
  return best && explainDefinition(index, best, defs, symbol);
}

export function byRelevance(a: FunctionDef, b: FunctionDef): number {
  const ah = a.file.endsWith('.h') ? 1 : 0;
  const bh = b.file.endsWith('.h') ? 1 : 0;
  return ah - bh || a.file.localeCompare(b.file) || a.span.start.line - b.span.start.line;
}
