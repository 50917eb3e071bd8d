/** Workspace symbols (fuzzy over every function and ops instance name) and document symbols. */
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import { byRelevance } from './explain';

export interface SymbolHit { name: string; kind: 'function' | 'instance'; file: string; line: number; col: number; container?: string }

interface NameTable { generation: number; names: string[]; lower: string[]; kinds: Uint8Array }
let table: NameTable | undefined;

function names(index: KernelIndex): NameTable {
  if (table && table.generation === index.generation) return table;
  const names = [...index.functionNames()];
  const fnCount = names.length;
  for (const n of index.opsInstanceNames()) names.push(n);
  const kinds = new Uint8Array(names.length);
  kinds.fill(1, fnCount);
  table = { generation: index.generation, names, lower: names.map((n) => n.toLowerCase()), kinds };
  return table;
}

/** Ranks exact, prefix, substring, then in-order subsequence matches; shorter names first within a rank. */
export function workspaceSymbols(index: KernelIndex, query: string, limit = 200): SymbolHit[] {
  const q = query.toLowerCase().replace(/\s+/g, '');
  if (q.length === 0) return [];
  const t = names(index);
  const ranked: { i: number; rank: number }[] = [];
  for (let i = 0; i < t.lower.length; i++) {
    const n = t.lower[i];
    let rank: number;
    if (n === q) rank = 0;
    else if (n.startsWith(q)) rank = 1;
    else if (n.includes(q)) rank = 2;
    else if (q.length >= 3 && isSubsequence(q, n)) rank = 3;
    else continue;
    ranked.push({ i, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || t.names[a.i].length - t.names[b.i].length || (t.names[a.i] < t.names[b.i] ? -1 : 1));
  const out: SymbolHit[] = [];
  for (const { i } of ranked) {
    if (out.length >= limit) break;
    const name = t.names[i];
    if (t.kinds[i] === 0) {
      for (const fn of [...index.resolve(name)].sort(byRelevance)) {
        if (fn.name !== name && !fn.syscall) continue;
        out.push({ name, kind: 'function', file: fn.file, line: fn.nameSpan.start.line, col: fn.nameSpan.start.col });
        if (out.length >= limit) break;
      }
    } else {
      const o = index.opsInstance(name)[0];
      if (o) out.push({ name, kind: 'instance', file: o.file, line: o.instancePos.line, col: o.instancePos.col, container: o.struct ? `struct ${o.struct}` : undefined });
    }
  }
  return out;
}

function isSubsequence(q: string, n: string): boolean {
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n.charCodeAt(i) === q.charCodeAt(j)) j++;
  return j === q.length;
}

export interface DocSymbol { name: string; kind: 'function' | 'instance'; detail: string; start: { line: number; col: number }; end: { line: number; col: number }; selection: { line: number; col: number; length: number } }

export function documentSymbols(index: KernelIndex, file: string): DocSymbol[] {
  const out: DocSymbol[] = index.functionsInFile(file).map((fn: FunctionDef) => ({
    name: fn.name, kind: 'function', detail: fn.signature, start: fn.span.start, end: fn.span.end,
    selection: { line: fn.nameSpan.start.line, col: fn.nameSpan.start.col, length: fn.nameSpan.end.col - fn.nameSpan.start.col },
  }));
  const facts = index.fileFacts(file);
  const seen = new Set<string>();
  for (const o of facts?.ops ?? []) {
    const base = o.instance.replace(/\[.*$/, '');
    if (seen.has(base)) continue;
    seen.add(base);
    out.push({ name: base, kind: 'instance', detail: o.struct ? `struct ${o.struct}` : '', start: o.instancePos, end: o.instancePos, selection: { ...o.instancePos, length: 0 } });
  }
  return out;
}
