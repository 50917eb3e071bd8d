/**
 * What to probe instead when a function cannot be probed by name: the nearest callers that can
 * (breadth-first up the call graph), tracepoints fired in the function or its direct callers,
 * sibling implementations of the same ops field, and the syscall entry when a caller is one.
 */
import { tracepointBaseName, type KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import type { Alternative } from './verdict';

/** Judges one definition; alternatives never recurse into alternatives. */
export type Attachable = (fn: FunctionDef) => boolean;

const MAX_CALLERS = 3;
const MAX_DEPTH = 3;
/** Bounds the work per question: each non-static hop lists every caller in the tree, each judged caller may scan its file. */
const MAX_EXPANSIONS = 6;
const MAX_JUDGED = 40;
const MAX_TRACEPOINTS = 3;
const MAX_SIBLINGS = 2;

/**
 * `treeScans` bounds how many tree-wide caller lists (a CallSite per caller of the name, then a
 * definition lookup for each) one question may cost; callers of a `.c` file's static function are
 * read from their file alone.
 */
export function findAlternatives(index: KernelIndex, fn: FunctionDef, attachable: Attachable, siblings: readonly { fn: string; instance: string; field: string }[], treeScans = 1): Alternative[] {
  const out: Alternative[] = [];
  const tps = new Set<string>();
  const addTracepoints = (def: FunctionDef, how: string) => {
    for (const t of index.tracepointCallsIn(def)) {
      if (tps.size >= MAX_TRACEPOINTS || tps.has(t.name)) continue;
      tps.add(t.name);
      const base = tracepointBaseName(t.name);
      const sys = index.tracepoint(base)[0]?.system;
      out.push({ kind: 'tracepoint', name: sys ? `${sys}:${base}` : base, file: t.file, line: t.pos.line + 1, why: `fired ${how}` });
    }
  };
  addTracepoints(fn, `inside ${fn.name}`);

  // Breadth-first over callers; a caller that is attachable ends its branch.
  let frontier: FunctionDef[] = [fn];
  const seen = new Set<FunctionDef>([fn]);
  let callers = 0;
  let expansions = 0;
  let judged = 0;
  for (let depth = 1; depth <= MAX_DEPTH && frontier.length > 0 && callers < MAX_CALLERS; depth++) {
    const next: FunctionDef[] = [];
    for (const callee of frontier) {
      if (expansions++ >= MAX_EXPANSIONS) break;
      if (!callersAreLocal(callee) && treeScans-- <= 0) continue;
      for (const c of callerDefs(index, callee)) {
        if (seen.has(c.def)) continue;
        seen.add(c.def);
        if (judged++ >= MAX_JUDGED) break;
        if (depth === 1) addTracepoints(c.def, `in caller ${c.def.name}`);
        if (c.def.syscall) {
          const sym = c.def.syscall.symbols.find((s) => s.startsWith('__x64_')) ?? c.def.syscall.symbols[0];
          out.push({ kind: 'syscall', name: sym, file: c.def.file, line: c.def.nameSpan.start.line + 1, why: `syscall ${c.def.syscall.name} calls it${depth > 1 ? ` (${depth} hops)` : ''}; ksyscall/${c.def.syscall.name}` });
          callers++;
        } else if (attachable(c.def)) {
          out.push({ kind: 'caller', name: c.def.name, file: c.def.file, line: c.line, why: depth === 1 ? `calls ${fn.name} (line ${c.line})` : `calls it ${depth} hops up` });
          callers++;
        } else {
          next.push(c.def);
        }
        if (callers >= MAX_CALLERS) break;
      }
      if (callers >= MAX_CALLERS) break;
    }
    frontier = next;
  }

  for (const s of siblings.slice(0, MAX_SIBLINGS)) {
    const def = index.resolve(s.fn)[0];
    out.push({ kind: 'sibling', name: s.fn, file: def?.file, line: def ? def.nameSpan.start.line + 1 : undefined, why: `also implements ${s.instance}.${s.field}` });
  }
  return out;
}

interface CallerDef { def: FunctionDef; line: number }

const callersAreLocal = (fn: FunctionDef) => fn.qualifiers.includes('static') && !fn.file.endsWith('.h');

/**
 * Definitions that call `fn`, one per caller. A static function of a `.c` file is only callable
 * from that file, so its callers there are enough; anything else (header statics included) needs
 * every caller in the tree.
 */
function callerDefs(index: KernelIndex, fn: FunctionDef): CallerDef[] {
  const out: CallerDef[] = [];
  const seen = new Set<string>();
  const add = (caller: string, file: string, line: number) => {
    if (!caller || seen.has(`${file}\u0000${caller}`)) return;
    seen.add(`${file}\u0000${caller}`);
    const defs = index.resolve(caller);
    const def = defs.find((d) => d.file === file && d.span.start.line <= line && d.span.end.line >= line) ?? defs.find((d) => d.file === file) ?? defs[0];
    if (def) out.push({ def, line: line + 1 });
  };
  const sites = callersAreLocal(fn) ? index.callersInFile(fn.name, fn.file) : index.callersOf(fn.name);
  for (const site of sites) add(site.caller, site.file, site.pos.line);
  return out;
}
