/**
 * Where to look for a function that is not at its usual path in another version: a grep for a
 * line that starts a definition, in bounded places (the file's top-level directory and include/),
 * because a whole-tree grep costs over a minute on a kernel.
 */

const MAX_CANDIDATE_FILES = 12;

function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(s);
}

/**
 * An ERE for a line that can start the definition: at column 0 (bodies are indented in kernel
 * style, so call sites rarely match), the name followed by `(`; for a syscall, its DEFINE macro.
 */
export function definitionPattern(name: string, syscall?: { name: string; compat: boolean }): string {
  if (syscall && isIdentifier(syscall.name)) {
    return `^${syscall.compat ? 'COMPAT_' : ''}SYSCALL_DEFINE[0-6]\\(${syscall.name}[,)]`;
  }
  if (!isIdentifier(name)) throw new Error(`not a C identifier: ${JSON.stringify(name)}`);
  return `^([A-Za-z_].*[^A-Za-z0-9_])?${name}[[:space:]]*\\(`;
}

/** Git pathspecs for the bounded search around `file`. */
export function searchScope(file: string): string[] {
  const top = file.includes('/') ? file.slice(0, file.indexOf('/')) : '';
  const specs = ['include/*.h'];
  if (top && top !== 'include') specs.push(`${top}/*.c`, `${top}/*.h`);
  else if (!top) specs.push('*.c');
  return specs;
}

/** Same directory first, then `.c` before headers, then path order; at most MAX_CANDIDATE_FILES. */
export function rankCandidates(files: readonly string[], near: string): string[] {
  const dir = near.includes('/') ? near.slice(0, near.lastIndexOf('/') + 1) : '';
  const score = (f: string) => (f.startsWith(dir) && !f.slice(dir.length).includes('/') ? 0 : 2) + (f.endsWith('.c') ? 0 : 1);
  return [...new Set(files)].filter((f) => f !== near).sort((a, b) => score(a) - score(b) || a.localeCompare(b)).slice(0, MAX_CANDIDATE_FILES);
}
