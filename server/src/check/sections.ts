/**
 * What an eBPF program section name attaches to, following libbpf's section definitions
 * (tools/lib/bpf/libbpf.c `section_defs`): `kprobe/tcp_v4_connect`, `fentry/…`, `tp/sched/sched_switch`,
 * `ksyscall/connect`, … Sections that do not name a kernel target (uprobes, socket filters, XDP,
 * a bare `kprobe` attached by hand) are returned as `other`.
 */
export type TargetKind = 'function' | 'syscall' | 'tracepoint' | 'raw-tracepoint' | 'other';

export interface SectionTarget {
  section: string;
  kind: TargetKind;
  /** Program type prefix (`kprobe`, `fentry`, `tp`, …). */
  prefix: string;
  /** Function, syscall or tracepoint name (`tcp_v4_connect`, `connect`, `sched_switch`); empty for `other`. */
  name: string;
  /** Tracepoint category (`sched`) when the section names one. */
  system?: string;
  /** Why a section is `other` or malformed. */
  note?: string;
}

const FUNCTION_PREFIXES = new Set(['kprobe', 'kretprobe', 'fentry', 'fexit', 'fmod_ret', 'fentry.s', 'fexit.s', 'fmod_ret.s', 'kprobe.multi', 'kretprobe.multi']);
const SYSCALL_PREFIXES = new Set(['ksyscall', 'kretsyscall']);
const TRACEPOINT_PREFIXES = new Set(['tp', 'tracepoint']);
const RAW_TP_PREFIXES = new Set(['raw_tp', 'raw_tracepoint', 'tp_btf', 'raw_tp.w', 'raw_tracepoint.w']);
/** Kernel function names as C spells them: a `+0x10` offset is allowed after kprobe targets. */
const FUNCTION_NAME = /^([A-Za-z_][\w.]*)(\+(?:0x[0-9a-fA-F]+|\d+))?$/;

/** Sections that hold data, not programs (`SEC("license")`, `SEC(".maps")`): not targets at all. */
export function isDataSection(section: string): boolean {
  return /^(?:license|version|maps|\.maps|\.kconfig|\.ksyms|\.(?:data|rodata|bss)(?:\..*)?)$/.test(section);
}

export function parseSection(section: string): SectionTarget {
  const slash = section.indexOf('/');
  const prefix = slash < 0 ? section : section.slice(0, slash);
  const rest = slash < 0 ? '' : section.slice(slash + 1);
  const other = (note: string): SectionTarget => ({ section, kind: 'other', prefix, name: '', note });
  if (FUNCTION_PREFIXES.has(prefix)) {
    if (!rest) return other('no target in the section name: attached by the loader at run time');
    if (prefix.endsWith('.multi') && /[*?]/.test(rest)) return other('a wildcard pattern, not one function');
    const m = FUNCTION_NAME.exec(rest);
    if (!m) return other(`"${rest}" is not a kernel function name`);
    return { section, kind: 'function', prefix, name: m[1] };
  }
  if (SYSCALL_PREFIXES.has(prefix)) {
    if (!/^\w+$/.test(rest)) return other(rest ? `"${rest}" is not a syscall name` : 'no syscall in the section name');
    return { section, kind: 'syscall', prefix, name: rest };
  }
  if (TRACEPOINT_PREFIXES.has(prefix)) {
    const m = /^(\w+)\/(\w+)$/.exec(rest);
    if (!m) return other(`"${rest}" is not <category>/<tracepoint>`);
    return { section, kind: 'tracepoint', prefix, name: m[2], system: m[1] };
  }
  if (RAW_TP_PREFIXES.has(prefix)) {
    if (!/^\w+$/.test(rest)) return other(rest ? `"${rest}" is not a tracepoint name` : 'no tracepoint in the section name');
    return { section, kind: 'raw-tracepoint', prefix, name: rest };
  }
  return other(`${prefix} programs do not attach to a kernel function or tracepoint`);
}
