/**
 * Name rules for probe targets, checked before anything reaches the privileged helper
 * (which checks them again: this copy exists to give the editor an early, precise message).
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A kallsyms name may carry compiler clone suffixes: tcp_sendmsg.isra.0, foo.constprop.3.cold is refused (not an entry). */
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

export const ATTACH_TYPES = [
  'auto', 'kprobe', 'kretprobe', 'fentry', 'fexit', 'tracepoint', 'raw_tracepoint', 'tp_btf', 'ksyscall', 'kretsyscall',
] as const;
export type AttachType = (typeof ATTACH_TYPES)[number];

export const COLLECTORS = ['events', 'count', 'comm', 'latency', 'stack'] as const;

export function isIdent(s: string): boolean {
  return IDENT.test(s);
}

export function isSymbol(s: string): boolean {
  return s.length <= 128 && SYMBOL.test(s);
}

export function splitTracepoint(s: string): { category: string; name: string } | undefined {
  const parts = s.split(':');
  if (parts.length !== 2 || !isIdent(parts[0]) || !isIdent(parts[1])) return undefined;
  return { category: parts[0], name: parts[1] };
}

export function isAttachType(s: string): s is AttachType {
  return (ATTACH_TYPES as readonly string[]).includes(s);
}

const TRACEPOINT_TYPES: readonly AttachType[] = ['tracepoint', 'raw_tracepoint', 'tp_btf'];

/** Why a target is unacceptable for the given type, or undefined when it is fine. */
export function targetProblem(target: string, type: AttachType = 'auto'): string | undefined {
  if (target.includes(':')) {
    if (!splitTracepoint(target)) return `${JSON.stringify(target)} is not a tracepoint: category:name, both C identifiers`;
    if (type !== 'auto' && !TRACEPOINT_TYPES.includes(type)) return `${target} is a tracepoint; ${type} attaches to functions`;
    return undefined;
  }
  if (!isSymbol(target)) return `${JSON.stringify(target)} is not a function name: a C identifier (optionally with a clone suffix like .isra.0)`;
  if (TRACEPOINT_TYPES.includes(type)) return `${type} attaches to category:name, e.g. syscalls:sys_enter_connect`;
  return undefined;
}
