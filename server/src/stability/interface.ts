/**
 * Interface stability: what makes a function likely to survive the next kernel release under the
 * same name and prototype — an ops-struct field it implements (especially a field many structs
 * implement), an export, a syscall ABI, tracepoints fired inside it.
 */
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef, OpsAssignment } from '../index/model';

export interface InterfaceFacts {
  /** Display strings, most telling first: `tcp_prot.connect`, `tcpv6_prot.connect` (sibling), `EXPORT_SYMBOL_GPL`, `syscall connect`. */
  stable: string[];
  /** Own ops registrations. */
  ops: OpsAssignment[];
  /** Other implementations of the same field in the same struct type, most similar name first. */
  siblings: OpsAssignment[];
  reasons: string[];
}

const MAX_SIBLINGS = 8;

export function interfaceFacts(index: KernelIndex, fn: FunctionDef): InterfaceFacts {
  const ops = index.opsOf(fn.name);
  const siblings = siblingImplementations(index, fn.name, ops, MAX_SIBLINGS);
  const stable: string[] = [];
  const reasons: string[] = [];
  if (ops.length > 0) {
    stable.push(...ops.slice(0, 3).map((o) => `${baseField(o)}`));
    if (siblings.top.length > 0) stable.push(baseField(siblings.top[0]));
    const fields = [...new Set(ops.map((o) => `${o.struct ? `struct ${o.struct}` : o.instance}.${lastField(o.field)}`))];
    const total = siblings.total + 1;
    reasons.push(`ops member: ${fields.join(', ')} — registered in ${ops.map((o) => o.instance).slice(0, 4).join(', ')}${ops.length > 4 ? ', …' : ''}; ` +
      `${total} implementation${total === 1 ? '' : 's'} of the field: an interface that stays while the callers change`);
  }
  if (fn.exported) {
    stable.push(fn.exported);
    reasons.push(`exported (${fn.exported}): modules link against the name, so renames are rare`);
  }
  if (fn.syscall) {
    const x64 = fn.syscall.symbols.find((s) => s.startsWith('__x64_')) ?? fn.syscall.symbols[0];
    stable.push(`syscall ${fn.syscall.name}`);
    reasons.push(`syscall ${fn.syscall.name}: stable ABI; probe \`${x64}\` or \`SEC("ksyscall/${fn.syscall.name}")\``);
  }
  return { stable, ops, siblings: siblings.top, reasons };
}

/**
 * Other functions defined in the tree that implement the same struct type and field: the `limit`
 * with the most similar names (`tcp_v4_connect` → `tcp_v6_connect`) and how many there are. A
 * field like platform_driver.probe has thousands, so only the best few are kept in order.
 */
function siblingImplementations(index: KernelIndex, name: string, ops: readonly OpsAssignment[], limit: number): { top: OpsAssignment[]; total: number } {
  const seen = new Set<string>([name]);
  const top: { o: OpsAssignment; score: number }[] = [];
  const before = (a: { o: OpsAssignment; score: number }, b: { o: OpsAssignment; score: number }) =>
    a.score > b.score || (a.score === b.score && a.o.fn < b.o.fn);
  const byField = implementationsByField(index);
  for (const key of new Set(ops.map(fieldKey))) {
    for (const o of byField.get(key) ?? []) {
      if (seen.has(o.fn)) continue;
      seen.add(o.fn);
      const x = { o, score: similarity(name, o.fn) };
      if (top.length === limit && !before(x, top[limit - 1])) continue;
      let i = Math.min(top.length, limit - 1);
      top[i] = x;
      while (i > 0 && before(x, top[i - 1])) { top[i] = top[i - 1]; top[i - 1] = x; i--; }
    }
  }
  return { top: top.map((x) => x.o), total: seen.size - 1 };
}

const fieldKey = (o: OpsAssignment) => `${o.struct}\u0000${lastField(o.field)}`;
const byFieldCache = new WeakMap<KernelIndex, { generation: number; map: Map<string, OpsAssignment[]> }>();

/**
 * Per struct type and field, one assignment per function defined in the tree, built once per
 * index generation: asking the index per field walks all assignments (230k in a full tree).
 */
function implementationsByField(index: KernelIndex): Map<string, OpsAssignment[]> {
  const gen = index.generation;
  const hit = byFieldCache.get(index);
  if (hit && hit.generation === gen) return hit.map;
  const map = new Map<string, OpsAssignment[]>();
  const fnsOf = new Map<string, Set<string>>();
  for (const instance of index.opsInstanceNames()) {
    for (const o of index.opsInstance(instance)) {
      const k = fieldKey(o);
      let fns = fnsOf.get(k);
      if (!fns) fnsOf.set(k, (fns = new Set()));
      if (fns.has(o.fn) || !index.resolves(o.fn)) continue;
      fns.add(o.fn);
      const list = map.get(k);
      if (list) list.push(o);
      else map.set(k, [o]);
    }
  }
  byFieldCache.set(index, { generation: gen, map });
  return map;
}

function similarity(a: string, b: string): number {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return p + s;
}

function lastField(field: string): string {
  return field.slice(field.lastIndexOf('.') + 1);
}

function baseField(o: OpsAssignment): string {
  return `${o.instance}.${o.field}`;
}
