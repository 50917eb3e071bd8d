/** What identifier sits at a position in a line of C, and in which role. */
import { SYSCALL_MACRO, syscallBaseName } from '../index/syscalls';

export type SymbolRole = 'call' | 'field' | 'plain';

export interface SymbolAt {
  name: string;
  role: SymbolRole;
  /** For a field: the expression before `->`/`.` (`sk->sk_prot`). */
  object?: string;
  startCol: number;
  endCol: number;
}

const IDENT = /[A-Za-z0-9_]/;

export function symbolAt(lineText: string, col: number): SymbolAt | undefined {
  let s = col;
  let e = col;
  while (s > 0 && IDENT.test(lineText[s - 1])) s--;
  while (e < lineText.length && IDENT.test(lineText[e])) e++;
  if (s === e || /^[0-9]/.test(lineText[s])) return undefined;
  const name = lineText.slice(s, e);
  const before = lineText.slice(0, s).trimEnd();
  const after = lineText.slice(e).trimStart();
  if (before.endsWith('->') || (before.endsWith('.') && !before.endsWith('..'))) {
    const objEnd = before.length - (before.endsWith('->') ? 2 : 1);
    const m = /[\w\->.\[\]()]*$/.exec(before.slice(0, objEnd));
    return { name, role: 'field', object: m?.[0], startCol: s, endCol: e };
  }
  // `SYSCALL_DEFINE3(connect, …)`: the macro and the syscall's name stand for the definition, `sys_connect`
  const syscall = SYSCALL_HEAD.exec(before);
  if (syscall) return { name: syscallBaseName(name, !!syscall[1]), role: 'plain', startCol: s, endCol: e };
  const macro = SYSCALL_MACRO.exec(name);
  const arg = macro && /^\(\s*(\w+)/.exec(after);
  if (arg) return { name: syscallBaseName(arg[1], !!macro![1]), role: 'plain', startCol: s, endCol: e };
  return { name, role: after.startsWith('(') ? 'call' : 'plain', startCol: s, endCol: e };
}

const SYSCALL_HEAD = /(?:^|[^\w])(COMPAT_)?SYSCALL_DEFINE[0-6]\s*\($/;
