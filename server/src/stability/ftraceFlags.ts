/**
 * Source files the kernel's Makefiles build without the ftrace hook (`-pg`/`$(CC_FLAGS_FTRACE)`
 * removed). None of their functions can take an fentry/fexit probe or appear in
 * available_filter_functions, whatever their qualifiers say.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface NoFtraceRules {
  /** `kernel/irq_work.c`: CFLAGS_REMOVE_irq_work.o = $(CC_FLAGS_FTRACE). */
  files: Set<string>;
  /** `kernel/trace`: ccflags-remove-… += $(CC_FLAGS_FTRACE) (that directory's own objects). */
  dirs: Set<string>;
  /** subdir-ccflags-remove: the directory and everything below it. */
  trees: Set<string>;
}

const FTRACE_FLAG = /\$\(CC_FLAGS_FTRACE\)|(?:^|\s)-pg(?:\s|$)/;

/** Parse one Makefile/Kbuild text; `dir` is its directory relative to the tree root. */
export function parseMakefile(text: string, dir: string, rules: NoFtraceRules): void {
  const joined = text.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    const m = /^\s*([\w$().\/-]+?)\s*[:+?]?=\s*(.*)$/.exec(line);
    if (!m || !FTRACE_FLAG.test(m[2])) continue;
    const lhs = m[1];
    const obj = /^CFLAGS_REMOVE_(.+)\.o$/.exec(lhs);
    if (obj) {
      rules.files.add(path.posix.join(dir, `${obj[1]}.c`));
    } else if (/^ccflags-remove-/.test(lhs)) {
      rules.dirs.add(dir);
    } else if (/^subdir-ccflags-remove-/.test(lhs)) {
      rules.trees.add(dir);
    }
  }
}

export function emptyRules(): NoFtraceRules {
  return { files: new Set(), dirs: new Set(), trees: new Set() };
}

/** Reads every Makefile and Kbuild under `root` (skipping `tools`, `scripts`, `Documentation`). */
export async function scanNoFtrace(root: string, skip: ReadonlySet<string> = new Set(['tools', 'scripts', 'Documentation', '.git'])): Promise<NoFtraceRules> {
  const rules = emptyRules();
  async function walk(rel: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!skip.has(child) && !skip.has(e.name)) await walk(child);
      } else if (e.isFile() && (e.name === 'Makefile' || e.name === 'Kbuild')) {
        parseMakefile(await fs.readFile(path.join(root, child), 'utf8'), rel, rules);
      }
    }
  }
  await walk('');
  return rules;
}

export function builtWithoutFtrace(file: string, rules: NoFtraceRules): boolean {
  if (rules.files.has(file)) return true;
  const dir = path.posix.dirname(file);
  if (rules.dirs.has(dir)) return true;
  for (let d = dir; d !== '.' && d !== ''; d = path.posix.dirname(d)) if (rules.trees.has(d)) return true;
  return false;
}
