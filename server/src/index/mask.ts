/**
 * Blanks the kernel's attribute-like macros before tree-sitter sees the text.
 *
 * The grammar does not expand macros, so `static int __init inet_init(void)` parses as a
 * function named `void`, and `struct pernet_operations __net_initdata tcp_sk_ops = {…}` as a
 * variable named `__net_initdata`. Replacing each macro (and its parenthesised argument list)
 * with spaces of the same length keeps every offset and line number intact, so positions from
 * the masked parse are positions in the original text; qualifiers are read back from the original.
 */
import { isIdent } from './callScan';

/** Macros that take no arguments and only decorate a declaration. */
const BARE = [
  '__init', '__exit', '__initdata', '__initconst', '__exitdata', '__devinit', '__devexit', '__cpuinit',
  '__meminit', '__meminitdata', '__meminitconst', '__ref', '__refdata', '__refconst', '__read_mostly',
  '__ro_after_init', '__lsm_ro_after_init', '__net_initdata', '__net_init', '__net_exit', '__net_initconst',
  '__initdata_or_module', '__init_or_module', '__init_memblock', '__initdata_memblock', '__head',
  'notrace', 'noinstr', '__kprobes', '__always_inline', 'noinline', '__noinline', 'noinline_for_stack',
  '__noinline_for_stack', 'nokprobe_inline', '__fastpath_inline', '__cold', '__hot', '__weak', '__visible',
  'asmlinkage', '__sched', '__lockfunc', '__irq_entry', '__softirq_entry', '__cpuidle', '__must_check',
  '__maybe_unused', '__always_unused', '__used', '__pure', '__attribute_const__', '__noreturn', '__noclone',
  '__naked', '__latent_entropy', '__randomize_layout', '__no_randomize_layout', '__packed', '__user',
  '__kernel', '__iomem', '__percpu', '__rcu', '__force', '__bitwise', '__safe', '__nocast', '__private',
  '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '____cacheline_internodealigned_in_smp', '__page_aligned_data', '__page_aligned_bss', '__flatten',
  '__no_kcsan', '__no_sanitize_address', '__no_kasan', '__nocfi', '__noscs', '__no_profile',
  '__no_stack_protector', '__nostackprotector', '__no_sanitize_or_inline', '__malloc', '__nonstring',
  '__designated_init', '__deprecated', '__bpf_kfunc', '__ksym', '__kconfig', '__tracepoint_string',
  'INDIRECT_CALLABLE_SCOPE', '__always_inline_nonstatic', '__ftrace_invalid_address___', '__init_or_acpilib',
  '__initdata_or_acpilib', '__nosavedata', '__noinitretpoline', '__ro_after_init_scope', '__rcu_must_hold',
  '__bpf_fastcall', '__exitcall', '__initcall', '__mlock', '__sparse_cache', '__no_fgcse', '__noendbr',
  '__kprobes_text', '__alloc_size__', '__retain', '__optimize_none', '__data_racy',
  '__aligned_largest', '__nocapture', '__nosanitizecoverage', '__no_sanitize_undefined', '__no_sanitize_thread',
  '__no_sanitize_memory', '__ssp', '__sysv_abi', '__vdso_data', '__section_data', '__efistub_global',
  '__compiletime_error_fallback', '__ftrace', '__exception_irq_entry', '__irq_entry_text', '__kcfi',
  '__gnu_inline', '__unused', '__sched_text', '__nosave', '__initdata_rodata', '__setup_data', '__no_kmsan_checks',
  '__no_sanitize_coverage', '__always_used', '__uml_exitcall', '__percpu_data',
] as const;

/** Macros whose parenthesised argument list is part of the attribute. */
const WITH_ARGS = [
  '__attribute__', '__attribute', '__section', '__aligned', '__printf', '__scanf', '__acquires', '__releases',
  '__must_hold', '__alloc_size', '__assume_aligned', '__counted_by', '__counted_by_le', '__counted_by_be',
  '__free', '__cleanup', '__diag_ignore', '__diag_push', '__diag_pop', '__compiletime_error',
  '__compiletime_warning', '__cond_acquires', '__cond_releases', '__no_sanitize', '__weak_alias',
  '__alias', '__guarded_by', '__pt_guarded_by', '__nonnull', '__access', '__realloc_size', '__deprecated_msg',
  'ATTRIBUTE_GROUPS_ONLY', '__ADDRESSABLE_ASM_STR', '__must_be_array', '__designated_init_attr',
  '__bpf_kfunc_start_defs', '__bpf_kfunc_end_defs', '__releases_shared', '__acquires_shared',
  '__cond_acquires_shared', '__must_hold_shared', '__assert_cap', '__returns_ctx_lock', '__context_unsafe',
] as const;

const WITH_ARGS_SET = new Set<string>(WITH_ARGS);
const ALL = [...BARE, ...WITH_ARGS].sort((a, b) => b.length - a.length);
const PATTERN = new RegExp(`(?<![A-Za-z0-9_])(?:${ALL.join('|')})(?![A-Za-z0-9_])`, 'g');

/** Every macro the masker blanks; the extractor drops them from return types. */
export const MASKED_MACROS: ReadonlySet<string> = new Set<string>(ALL);

/**
 * Returns `text` with attribute macros outside directives replaced by spaces (newlines kept), or `text` itself when
 * nothing matched. Unbalanced argument lists are blanked to the end of the line only, so a stray
 * `(` cannot swallow the rest of a file.
 */
export function maskAttributes(text: string): string {
  return maskLoopMacros(maskAttributeMacros(text));
}

function maskAttributeMacros(text: string): string {
  PATTERN.lastIndex = 0;
  let out: string[] | undefined;
  let copied = 0;
  let m: RegExpExecArray | null;
  while ((m = PATTERN.exec(text)) !== null) {
    const start = m.index;
    let end = start + m[0].length;
    // Directive text is opaque to the grammar, and `#define x __read_mostly` blanked to
    // `#define x` plus blanks makes tree-sitter-c read the next line as the macro's value.
    if (inDirective(text, start)) continue;
    if (WITH_ARGS_SET.has(m[0])) end = argumentListEnd(text, end);
    if (!out) out = [];
    out.push(text.slice(copied, start), blank(text, start, end));
    copied = end;
    PATTERN.lastIndex = end;
  }
  if (!out) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** Whether offset `at` lies in a preprocessor directive (its first line or a continuation line). */
function inDirective(text: string, at: number): boolean {
  let lineStart = text.lastIndexOf('\n', at - 1) + 1;
  for (;;) {
    let k = lineStart;
    while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
    if (text.charCodeAt(k) === 35 /* # */) return true;
    let e = lineStart - 2;
    if (e >= 0 && text.charCodeAt(e) === 13) e--;
    if (e < 0 || text.charCodeAt(e) !== 92 /* \ */) return false;
    lineStart = text.lastIndexOf('\n', e - 1) + 1;
  }
}

/** End offset of a `( … )` list starting after optional blanks at `from`; `from` when there is none. */
function argumentListEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) !== 40 /* ( */) return from;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i + 1;
    else if (c === 34 /* " */) i = stringEnd(text, i);
    else if (c === 59 /* ; */ || c === 123 /* { */) return from;
  }
  return from;
}

function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 || c === 10) return i;
  }
  return text.length - 1;
}

function blank(text: string, start: number, end: number): string {
  const piece = text.slice(start, end);
  return piece.indexOf('\n') < 0 ? ' '.repeat(piece.length) : piece.replace(/[^\n]/g, ' ');
}

/**
 * `for_each_sched_entity(se) stmt;` is a loop to the compiler but a call missing its `;` to the
 * grammar, and error recovery can then merge thousands of lines into one function (6.1's
 * kernel/sched/fair.c loses `fair_sched_class` that way). Rewriting the macro name to `while`
 * padded with spaces gives valid C with the same offsets; the arguments stay, so calls inside
 * them are still seen. A use followed by `;` is an ordinary statement and is left alone.
 */
const LOOP_MACRO = /(?<=(?:^|[;{}])[ \t]*)(?:(?:[A-Za-z_]\w*)?(?:for_each|foreach)\w*|skb_queue_walk\w*|skb_walk_frags|scoped_guard|scoped_cond_guard)(?=[ \t]*\()/gm;

/**
 * Short words one of which every LOOP_MACRO match contains (`for_each`, `foreach`, `skb_queue_walk`,
 * `skb_walk_frags`, `scoped_guard`, `scoped_cond_guard`). V8's indexOf of a pattern under 7
 * characters runs memchr on its first character: 2-5× faster than a longer pattern or the
 * alternation as a regular expression, and fastest when that character is rare in C (f, w, g).
 */
const LOOP_HINTS = ['for_e', 'forea', 'walk', 'guard'];
/** LOOP_MACRO tried at one offset only. */
const LOOP_MACRO_AT = new RegExp(LOOP_MACRO.source, 'my');

/**
 * Tries LOOP_MACRO only at the start of each identifier holding a hint word (where any match
 * must start: the look-behind wants a blank, `;`, `{`, `}` or a line start before it), in order.
 * Running the look-behind at every offset of a file cost more than the rest of masking.
 */
function maskLoopMacros(text: string): string {
  const starts = loopCandidates(text);
  if (starts.length === 0) return text;
  let out: string[] | undefined;
  let copied = 0;
  let searched = 0;
  for (const start of starts) {
    // A start tried twice gives the same answer; one inside a masked name is passed.
    if (start < searched) continue;
    LOOP_MACRO_AT.lastIndex = start;
    const m = LOOP_MACRO_AT.exec(text);
    if (m === null) continue;
    const name = m[0];
    searched = start + name.length;
    const argsEnd = argumentListEnd(text, start + name.length);
    if (argsEnd === start + name.length) continue;
    let k = argsEnd;
    while (k < text.length && /\s/.test(text[k])) k++;
    if (text.charCodeAt(k) === 59 /* ; */ || text.charCodeAt(k) === 41 /* ) */ || text.charCodeAt(k) === 44 /* , */) continue;
    if (!out) out = [];
    out.push(text.slice(copied, start), 'while', ' '.repeat(name.length - 5));
    copied = start + name.length;
  }
  if (!out) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** Starts of the identifiers holding a LOOP_HINTS word, ascending. */
function loopCandidates(text: string): number[] {
  const starts: number[] = [];
  for (const w of LOOP_HINTS) {
    for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + w.length)) {
      let start = at;
      while (start > 0 && isIdent(text.charCodeAt(start - 1))) start--;
      starts.push(start);
    }
  }
  return starts.length > 1 ? starts.sort((a, b) => a - b) : starts;
}
