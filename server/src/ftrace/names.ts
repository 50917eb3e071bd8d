/**
 * Function names as probe authors know them. ftrace prints what the symbol table holds:
 * `func+0x14/0x6c` with the sym-offset option, and compiler clones such as `foo.isra.0`,
 * `foo.constprop.3`, `foo.part.5`, `foo.cold`. C identifiers never contain '.' or '+', so
 * everything from the first of them on is an artefact of the build, not of the source.
 */
const cache = new Map<string, string>();
/** Bounds the cache on inputs with unbounded distinct names (random data, addresses). */
const CACHE_LIMIT = 1 << 20;

export function normaliseFunctionName(raw: string): string {
  const plus = raw.indexOf('+');
  const dot = raw.indexOf('.');
  if (plus < 0 && dot < 0) return raw;
  let hit = cache.get(raw);
  if (hit !== undefined) return hit;
  let cut = raw.length;
  if (plus >= 0) cut = plus;
  if (dot > 0 && dot < cut) cut = dot;
  hit = cut > 0 ? raw.slice(0, cut) : raw;
  if (cache.size < CACHE_LIMIT) cache.set(raw, hit);
  return hit;
}

/** `__x64_sys_openat`, `__arm64_sys_read`, `sys_open`, `SyS_open`, `__se_sys_read`, `compat_sys_ioctl` → syscall name. */
export function syscallOf(name: string): string | null {
  const i = name.indexOf('ys_');
  if (i < 1) return null;
  const c = name.charCodeAt(i - 1);
  if (c !== 0x73 /* s */ && c !== 0x53 /* S */) return null;
  const prefix = name.slice(0, i - 1);
  if (!SYSCALL_PREFIXES.has(prefix)) return null;
  const rest = name.slice(i + 3);
  return rest.length > 0 ? rest : null;
}

const SYSCALL_PREFIXES = new Set([
  '', '__x64_', '__ia32_', '__x32_compat_', '__ia32_compat_', '__arm64_', '__arm64_compat_', '__riscv_',
  '__s390x_', '__s390_', '__powerpc_', '__se_', '__do_', 'compat_', '__se_compat_', '__do_compat_',
]);
