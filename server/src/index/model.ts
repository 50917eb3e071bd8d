/**
 * The facts the indexer extracts from a kernel tree, as plain data.
 * Everything here is source-only: no build, no compile_commands.json.
 *
 * Lines and columns are 0-based (LSP convention); columns count bytes, which equals
 * UTF-16 units for the ASCII that kernel sources are in practice.
 * File paths are relative to the tree root, with forward slashes.
 */

export interface Position { line: number; col: number }
export interface Span { start: Position; end: Position }

/** Storage classes and attributes read back from the original (unmasked) text. */
export const QUALIFIERS = [
  'static', 'inline', '__always_inline', 'noinline', 'notrace', '__init', '__exit', '__cold',
  '__weak', 'asmlinkage', 'noinstr', '__kprobes', 'extern', '__noreturn', '__sched',
  '__attribute_const__', '__must_check', '__ref', '__meminit', '__cpuinit', '__irq_entry',
  '__visible', '__naked', '__noinline', 'nokprobe_inline', '__fastpath_inline', '__latent_entropy',
] as const;
export type Qualifier = (typeof QUALIFIERS)[number];

export type ExportKind = 'EXPORT_SYMBOL' | 'EXPORT_SYMBOL_GPL' | 'EXPORT_SYMBOL_NS' | 'EXPORT_SYMBOL_NS_GPL' | 'EXPORT_SYMBOL_GPL_FOR_MODULES';

export interface Param { type: string; name: string }

export interface SyscallInfo {
  /** The syscall as named in the macro's first argument (`connect`, `32_truncate64`). */
  name: string;
  /** n of SYSCALL_DEFINEn. */
  nargs: number;
  compat: boolean;
  /** Symbols the kernel really has for it: __x64_sys_connect, __se_sys_connect, __do_sys_connect, __ia32_sys_connect… */
  symbols: string[];
}

export interface FunctionDef {
  name: string;
  file: string;
  /** Whole definition, from the first qualifier to the closing brace. */
  span: Span;
  /** The name token. */
  nameSpan: Span;
  /** Everything before the body, whitespace folded: `static int tcp_v4_connect(struct sock *sk, …)`. */
  signature: string;
  returnType: string;
  params: Param[];
  qualifiers: Qualifier[];
  /** Set when EXPORT_SYMBOL* in the same file names the function. */
  exported?: ExportKind;
  syscall?: SyscallInfo;
}

/** One `field = function` inside an initialiser of a struct variable: the "ops struct" membership. */
export interface OpsAssignment {
  /** Variable name (`tcp_prot`); for arrays `inetsw_array[2]` or `array[IDX]`. */
  instance: string;
  /** Struct type tag (`proto`), empty when the grammar could not see it. */
  struct: string;
  /** Field path inside the instance, nested with dots (`ops.open`), `[i]` for positional elements. */
  field: string;
  /** The function assigned (`&fn` and casts stripped). */
  fn: string;
  file: string;
  /** Position of the function name inside the initialiser. */
  pos: Position;
  /** Where the instance is declared. */
  instancePos: Position;
}

export interface CallSite {
  /** Enclosing function's name (empty at file scope, e.g. inside an initialiser expression). */
  caller: string;
  callee: string;
  file: string;
  pos: Position;
}

/** A call through a function pointer stored in a struct field: `sk->sk_prot->connect(…)`. */
export interface IndirectCall {
  caller: string;
  field: string;
  /** Struct type of the object whose field is called, when the enclosing declarations tell it. */
  struct?: string;
  /** The callee expression as written, for display. */
  expr: string;
  file: string;
  pos: Position;
}

export type TracepointKind = 'TRACE_EVENT' | 'DEFINE_EVENT' | 'DECLARE_EVENT_CLASS' | 'TRACE_EVENT_CONDITION' | 'DEFINE_EVENT_CONDITION' | 'TRACE_EVENT_FN' | 'DEFINE_EVENT_FN' | 'DEFINE_EVENT_PRINT';

export interface TracepointDef {
  name: string;
  kind: TracepointKind;
  /** TRACE_SYSTEM of the header (`sock`, `tcp`, `syscalls`), empty when unknown. */
  system: string;
  /** For DEFINE_EVENT: the class it instantiates. */
  eventClass?: string;
  file: string;
  pos: Position;
}

export interface TracepointCall { caller: string; name: string; file: string; pos: Position }

/** A struct type that has function-pointer fields (`struct proto { int (*connect)(…); … }`). */
export interface OpsStructType {
  name: string;
  file: string;
  pos: Position;
  /** Every field in declaration order, so positional initialisers can be named. */
  fields: string[];
  fnFields: string[];
}

/**
 * `#define DEFINE_SCHED_CLASS(name) const struct sched_class name##_sched_class …`: a macro that
 * declares an instance by pasting its argument, so `DEFINE_SCHED_CLASS(fair) = {…}` is `fair_sched_class`.
 */
export interface InstanceMacro { macro: string; struct: string; prefix: string; suffix: string }

/** What one file contributes to the index. */
export interface FileFacts {
  file: string;
  size: number;
  mtimeMs: number;
  /** tree-sitter reported an ERROR or MISSING node somewhere. */
  hasError: boolean;
  /** Why the file was not parsed (binary, too large, unreadable); facts are empty then. */
  skipped?: string;
  /** True when the file held only preprocessor lines and comments, so it was scanned, not parsed. */
  defineOnly?: boolean;
  functions: FunctionDef[];
  exports: { name: string; kind: ExportKind; pos: Position }[];
  ops: OpsAssignment[];
  opsTypes: OpsStructType[];
  calls: CallSite[];
  indirectCalls: IndirectCall[];
  tracepoints: TracepointDef[];
  tracepointCalls: TracepointCall[];
  instanceMacros: InstanceMacro[];
}

export function emptyFacts(file: string, size: number, mtimeMs: number): FileFacts {
  return {
    file, size, mtimeMs, hasError: false, functions: [], exports: [], ops: [], opsTypes: [], calls: [],
    indirectCalls: [], tracepoints: [], tracepointCalls: [], instanceMacros: [],
  };
}
