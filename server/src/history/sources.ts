/**
 * A version of the kernel sources to look a function up in: a tag of the workspace's clone or a
 * directory holding another tree. Each answers "the prototypes named X in file F" (parsed once
 * per file version and kept) and "which files might define X" (bounded grep).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileFacts } from '../index/model';
import { factsFromDisk, factsFromText } from '../index/singleFile';
import { grepFiles, readBlobs } from './git';
import type { Prototype } from './model';
import { toPrototype } from './prototypes';

export interface Source {
  /** Prototypes of every function in each file; undefined when the file does not exist there. */
  functionsIn(files: readonly string[]): Promise<Map<string, Map<string, Prototype[]> | undefined>>;
  grep(pattern: string, pathspecs: readonly string[], timeoutMs: number): Promise<string[]>;
}

/** Parsed files by version key; kernel files hold a few hundred functions, so entries are small. */
const parsed = new Map<string, Map<string, Prototype[]> | undefined>();
const MAX_PARSED = 512;

function remember(key: string, v: Map<string, Prototype[]> | undefined): void {
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, v);
}

/**
 * tree-sitter's native memory is invisible to V8, so nothing prompts a collection; the history
 * process runs with --expose-gc and collects every ~64 MB parsed (as the index workers do).
 */
const GC_EVERY_CHARS = 64 << 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let sinceGc = 0;

function byName(facts: FileFacts): Map<string, Prototype[]> {
  sinceGc += facts.size;
  if (sinceGc > GC_EVERY_CHARS) { gc(); sinceGc = 0; }
  const out = new Map<string, Prototype[]>();
  for (const f of facts.functions) {
    const list = out.get(f.name);
    if (list) list.push(toPrototype(f));
    else out.set(f.name, [toPrototype(f)]);
  }
  return out;
}

export function gitTagSource(root: string, tag: string): Source {
  const keyOf = (f: string) => `git\0${root}\0${tag}\0${f}`;
  return {
    async functionsIn(files) {
      const out = new Map<string, Map<string, Prototype[]> | undefined>();
      const todo = files.filter((f) => { const k = keyOf(f); if (parsed.has(k)) { out.set(f, parsed.get(k)); return false; } return true; });
      if (todo.length > 0) {
        const blobs = await readBlobs(root, todo.map((f) => `${tag}:./${f}`));
        for (const f of todo) {
          const text = blobs.get(`${tag}:./${f}`);
          const v = text === undefined ? undefined : byName(factsFromText(f, text));
          remember(keyOf(f), v);
          out.set(f, v);
        }
      }
      return out;
    },
    grep: (pattern, pathspecs, timeoutMs) => grepFiles(root, pattern, tag, pathspecs, timeoutMs).then((h) => h.map((x) => x.file)),
  };
}

export function directorySource(tree: string): Source {
  return {
    async functionsIn(files) {
      const out = new Map<string, Map<string, Prototype[]> | undefined>();
      for (const f of files) {
        const abs = path.join(tree, f);
        let st;
        try {
          st = await fs.stat(abs);
        } catch {
          out.set(f, undefined);
          continue;
        }
        if (!st.isFile()) { out.set(f, undefined); continue; }
        const k = `dir\0${abs}\0${st.mtimeMs}\0${st.size}`;
        if (!parsed.has(k)) {
          // the index's reading policy: binary, oversized and unreadable files give no prototypes
          const facts = await factsFromDisk(tree, f);
          remember(k, facts.skipped ? undefined : byName(facts));
        }
        out.set(f, parsed.get(k));
      }
      return out;
    },
    grep: (pattern, pathspecs, timeoutMs) => grepFiles(tree, pattern, undefined, pathspecs, timeoutMs).then((h) => h.map((x) => x.file)),
  };
}
