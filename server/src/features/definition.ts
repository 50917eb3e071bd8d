/** Go to definition: functions (also syscall symbols and clones), ops instances, tracepoints, and from a called field to every implementation registered under it. */
import { tracepointBaseName, type KernelIndex } from '../index/kernelIndex';
import { byRelevance } from './explain';
import { pointLoc, type Loc } from './locations';
import type { SymbolAt } from './symbolAt';

export function definitions(index: KernelIndex, sym: SymbolAt): Loc[] {
  if (sym.role === 'field') {
    const impls = index.implementationsOf(sym.name);
    const seen = new Set<string>();
    const out: Loc[] = [];
    for (const o of impls) {
      for (const fn of index.resolve(o.fn)) {
        const key = `${fn.file}:${fn.nameSpan.start.line}`;
        if (!seen.has(key)) { seen.add(key); out.push({ file: fn.file, ...fn.nameSpan }); }
      }
    }
    return out;
  }
  const fns = [...index.resolve(sym.name)].sort(byRelevance);
  if (fns.length > 0) return fns.map((fn) => ({ file: fn.file, ...fn.nameSpan }));
  const inst = index.opsInstance(sym.name);
  if (inst.length > 0) return [pointLoc(inst[0].file, inst[0].instancePos)];
  const tpName = sym.name.startsWith('trace_') ? tracepointBaseName(sym.name) : sym.name;
  return index.tracepoint(tpName).map((t) => pointLoc(t.file, t.pos, t.name.length));
}
