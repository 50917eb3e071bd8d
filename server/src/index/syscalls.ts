/**
 * The symbols an x86-64 kernel really has for a `SYSCALL_DEFINEn`, and the way back from a traced
 * symbol (`__x64_sys_sendto`) to the definition. Mirrors arch/x86/include/asm/syscall_wrapper.h:
 * every syscall gets `__x64_sys_X` and, with IA32 emulation, `__ia32_sys_X`; those with arguments
 * also get the sign-extending `__se_sys_X` and the body `__do_sys_X`.
 */
/** `SYSCALL_DEFINE3` / `COMPAT_SYSCALL_DEFINE3`: group 1 is `COMPAT_`, group 2 the argument count. */
export const SYSCALL_MACRO = /^(COMPAT_)?SYSCALL_DEFINE([0-6])$/;

/** The definition's name: `sys_connect`, `compat_sys_connect`. */
export function syscallBaseName(name: string, compat: boolean): string {
  return compat ? `compat_sys_${name}` : `sys_${name}`;
}

export function syscallSymbols(name: string, nargs: number, compat: boolean): string[] {
  const base = syscallBaseName(name, compat);
  const out = compat
    ? [`__ia32_${base}`, `__x64_${base}`]
    : [`__x64_${base}`, `__ia32_${base}`];
  if (nargs > 0) out.push(`__se_${base}`, `__do_${base}`);
  return out;
}

const SYMBOL_RE = /^(?:__(?:x64|ia32|x32|arm64|se|do|s390x?|riscv)_)?((?:compat_)?sys_\w+)$/;

/** `__x64_sys_sendto` → `sys_sendto`; `compat_sys_x` stays; anything else → undefined. */
export function syscallFunctionName(symbol: string): string | undefined {
  return SYMBOL_RE.exec(symbol)?.[1];
}
