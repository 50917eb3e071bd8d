/**
 * Source-only prediction: will a kprobe/fentry on this function's name attach, i.e. does the
 * function survive compilation as its own traceable symbol? Rules were tuned against Debian's
 * 6.1.0-56 build (BTF FUNC entries as ground truth; bench/accuracy/run.mjs measures them).
 */
import type { FunctionDef } from '../index/model';

export interface AttachContext {
  /** Call sites of the name inside the defining file (what the compiler sees when it decides to inline a static). */
  callsInFile: number;
  /** Call sites of the name anywhere in the tree. */
  callsInTree: number;
  /** Mentions in the defining file that are not calls: `&fn`, `.op = fn`, function arguments, macro arguments. */
  nonCallRefs: number;
  /** Mentions in the defining file followed by `(`: the definition, prototypes, calls, uses inside macro bodies. */
  callLikeMentions: number;
  /** Named in some struct initialiser (ops tables), anywhere in the tree. */
  inOpsStruct: boolean;
  /** Definitions of this name in the tree (static functions in different files, per-arch variants). */
  definitionsWithName: number;
  bodyLines: number;
  /** Named parameters the body never mentions. */
  unusedParams: number;
  inHeader: boolean;
  /** The file's Makefile removes the ftrace flags (`CFLAGS_REMOVE_x.o = $(CC_FLAGS_FTRACE)`). */
  fileWithoutFtrace: boolean;
}

export type AttachVerdict =
  | 'attachable' | 'inlined' | 'maybe-inlined' | 'clone' | 'notrace' | 'init' | 'header-static' | 'syscall-wrapper';

export interface AttachPrediction {
  /** A probe by this name can attach after boot: the symbol exists and is traceable. */
  attachable: boolean;
  /** The function survives compilation as a symbol of exactly this name (what BTF FUNC entries record). */
  emitted: boolean;
  verdict: AttachVerdict;
  reasons: string[];
}

/** Static functions called twice or more stay out of line from this many lines (signature to closing brace) on: 16 balances precision and recall (95.3% each) on Debian 6.1. */
export const OUT_OF_LINE_MIN_LINES = 16;

const NOTRACE_QUALIFIERS = ['notrace', 'noinstr', '__naked'] as const;
export const INIT_QUALIFIERS: readonly string[] = ['__init', '__exit', '__meminit', '__cpuinit'];

interface Survival { emitted: boolean; verdict: AttachVerdict; reasons: string[] }

/** Does GCC keep a symbol of this exact name? (Inlining and IPA clones `.isra`/`.constprop` both lose it.) */
function survival(fn: FunctionDef, ctx: AttachContext, q: Set<string>): Survival {
  const kept = (...reasons: string[]): Survival => ({ emitted: true, verdict: 'attachable', reasons });
  const lost = (verdict: AttachVerdict, ...reasons: string[]): Survival => ({ emitted: false, verdict, reasons });
  if (q.has('__always_inline')) return lost('inlined', '`__always_inline`');
  if (q.has('noinline') || q.has('__noinline')) return kept('`noinline`');
  const isStatic = q.has('static');
  if (ctx.inHeader && isStatic) return lost('header-static', 'static function in a header: inlined into each includer, or one private copy per file');
  if (!isStatic) {
    if (q.has('inline') || q.has('__fastpath_inline')) return lost('inlined', 'non-static `inline`: gnu_inline extern definition only');
    return kept(fn.exported ? `exported (${fn.exported})` : 'global function: other files may call it, so it is emitted');
  }
  if (ctx.inOpsStruct || ctx.nonCallRefs > 0) {
    const why = ctx.inOpsStruct ? 'assigned in an ops struct initialiser' : 'address taken / passed by name';
    if (q.has('inline')) return { emitted: true, verdict: 'maybe-inlined', reasons: [why, 'static inline, but taking its address forces an out-of-line copy'] };
    return kept(why);
  }
  if (q.has('inline')) return lost('inlined', '`static inline` and its address is never taken');
  if (ctx.callsInFile === 0) {
    // No call the grammar can see: the name is pasted by a macro (DEVICE_ATTR_RO(x) → x_show), so it is kept.
    if (ctx.callLikeMentions <= 1) return kept('static, only reached through a macro');
    return lost('inlined', 'static and called only from macro bodies in its file');
  }
  if (ctx.callsInFile === 1) return lost('inlined', 'static with a single call site: GCC inlines it');
  if (ctx.unusedParams > 0) return lost('clone', `static with ${ctx.unusedParams} unused parameter(s): GCC emits an \`.isra\` clone under another name`);
  if (ctx.bodyLines < OUT_OF_LINE_MIN_LINES) return lost('maybe-inlined', `static, ${ctx.callsInFile} call sites, ${ctx.bodyLines} lines: small enough to inline`);
  return kept(`static with ${ctx.callsInFile} call sites, ${ctx.bodyLines} lines`);
}

export function predictAttachability(fn: FunctionDef, ctx: AttachContext): AttachPrediction {
  if (fn.syscall) {
    return { attachable: true, emitted: true, verdict: 'syscall-wrapper', reasons: [`SYSCALL_DEFINE${fn.syscall.nargs} emits ${fn.syscall.symbols.join(', ')}`] };
  }
  const q = new Set<string>(fn.qualifiers);
  const s = survival(fn, ctx, q);
  const untraceable = (verdict: AttachVerdict, why: string): AttachPrediction => ({ attachable: false, emitted: s.emitted, verdict, reasons: [...s.reasons, why] });
  for (const n of NOTRACE_QUALIFIERS) if (q.has(n)) return untraceable('notrace', `declared \`${n}\`: compiled without the ftrace hook`);
  if (ctx.fileWithoutFtrace) return untraceable('notrace', 'the Makefile builds this file without the ftrace flags ($(CC_FLAGS_FTRACE) removed)');
  for (const n of INIT_QUALIFIERS) if (q.has(n)) return untraceable('init', `\`${n}\`: lives in init/exit text that is freed or discarded after boot`);
  return { attachable: s.emitted, emitted: s.emitted, verdict: s.verdict, reasons: s.reasons };
}
