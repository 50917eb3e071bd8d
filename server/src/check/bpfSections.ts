/**
 * Program sections of an eBPF program: from a compiled `.bpf.o` (ELF section headers) or lexically
 * from `.bpf.c` source (`SEC("…")` outside comments), with the position of each string so the
 * editor can underline it.
 */
import { ElfFile } from '../btf/elf';
import { isDataSection } from './sections';
import { COMMENT_OR_STRING } from '../stability/attachContext';
import { LineTable } from '../index/lineTable';

export interface SectionAt {
  section: string;
  /** 0-based position of the string literal's content in the source; absent for `.bpf.o`. */
  line?: number;
  col?: number;
  /** The SEC argument is not one plain string literal (built from macros), so it cannot be checked. */
  unresolved?: string;
}

/** Sections of executable code other than `.text` (libbpf puts each program in its own). */
export function sectionsOfObject(file: string): SectionAt[] {
  const elf = ElfFile.open(file);
  try {
    return elf.programSections().map((section) => ({ section }));
  } finally {
    elf.close();
  }
}

const SEC_CALL = /\bSEC\s*\(/g;

/** `SEC("kprobe/tcp_v4_connect")` occurrences in C text; a `#define SEC(…)` line is skipped. */
export function sectionsOfSource(text: string): SectionAt[] {
  // Same-length rewrites keep offsets true: `clean` has comments blanked (strings are what we
  // read), `code` also has string contents blanked (a SEC( or `)` inside a string is not code).
  const clean = text.replace(COMMENT_OR_STRING, (m) => (m.startsWith('/') ? m.replace(/[^\n]/g, ' ') : m));
  const code = clean.replace(COMMENT_OR_STRING, (m) => (m[0] === '"' || m[0] === "'" ? m[0] + ' '.repeat(m.length - 2) + m[0] : m));
  const lines = new LineTable(clean);
  const position = (offset: number) => lines.at(offset);
  const out: SectionAt[] = [];
  let m: RegExpExecArray | null;
  SEC_CALL.lastIndex = 0;
  while ((m = SEC_CALL.exec(code))) {
    const lineStart = lines.offsetOf({ line: position(m.index).line, col: 0 });
    if (/^\s*#\s*define\b/.test(code.slice(lineStart, m.index))) continue;
    const close = code.indexOf(')', m.index + m[0].length);
    if (close < 0) break;
    const arg = clean.slice(m.index + m[0].length, close);
    // One literal, or adjacent literals the compiler concatenates ("kprobe/" "tcp_v4_connect").
    const literals = /^(?:\s*"(?:[^"\\\n]|\\.)*")+\s*$/.test(arg) ? [...arg.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((x) => x[1]) : undefined;
    const at = position(m.index + m[0].length + (literals ? arg.indexOf('"') + 1 : 0));
    if (literals) {
      if (!isDataSection(literals.join(''))) out.push({ section: literals.join(''), ...at });
    }
    else out.push({ section: arg.trim(), ...at, unresolved: 'the section name is not a single string literal (built from macros?), so its target cannot be checked' });
  }
  return out;
}
