/** Find references: direct call sites plus ops registrations (an ops slot is how most functions are reached). */
import type { KernelIndex } from '../index/kernelIndex';
import { pointLoc, type Loc } from './locations';

export function references(index: KernelIndex, name: string, includeDeclaration: boolean): Loc[] {
  const out: Loc[] = [];
  const defs = index.resolve(name);
  const target = defs[0]?.name ?? name;
  if (includeDeclaration) for (const d of defs) out.push({ file: d.file, ...d.nameSpan });
  for (const c of index.callersOf(target)) out.push(pointLoc(c.file, c.pos, target.length));
  for (const o of index.opsOf(target)) out.push(pointLoc(o.file, o.pos, target.length));
  return out;
}
