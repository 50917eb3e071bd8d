/** CodeLens above each function that an ops struct registers: "2 ops registrations". */
import type { KernelIndex } from '../index/kernelIndex';
import type { OpsAssignment } from '../index/model';

export interface Lens { line: number; col: number; title: string; fn: string; ops: OpsAssignment[] }

export function opsLenses(index: KernelIndex, file: string): Lens[] {
  const out: Lens[] = [];
  for (const fn of index.functionsInFile(file)) {
    const ops = index.opsOf(fn.name);
    if (ops.length === 0) continue;
    const where = ops.slice(0, 2).map((o) => `${o.instance}.${o.field}`).join(', ');
    out.push({
      line: fn.span.start.line, col: fn.span.start.col, fn: fn.name, ops,
      title: `${ops.length} ops registration${ops.length === 1 ? '' : 's'}: ${where}${ops.length > 2 ? ', …' : ''}`,
    });
  }
  return out;
}
