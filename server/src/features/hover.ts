/**
 * Hover text for a symbol. Layout, top to bottom: a headline slot (the stability verdict goes
 * there), the signature, where it is defined and its qualifiers, ops memberships with links, then
 * sections contributed by other areas (trace counts, history).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tracepointBaseName, type KernelIndex } from '../index/kernelIndex';
import type { OpsAssignment } from '../index/model';
import { explainBest, type Explanation } from './explain';
import type { SymbolAt } from './symbolAt';

/** Contributions from other feature areas: a headline above the signature, sections below the ops list. */
export interface HoverExtras {
  headline?: (e: Explanation) => string | undefined;
  sections?: ((e: Explanation) => string | undefined)[];
}

const MAX_LISTED = 12;

export function hoverMarkdown(index: KernelIndex, sym: SymbolAt, extras: HoverExtras = {}): string | undefined {
  const best = sym.role === 'field' ? undefined : explainBest(index, sym.name);
  if (best) return functionHover(index, best, extras);
  if (sym.role === 'field') return fieldHover(index, sym);
  const instance = index.opsInstance(sym.name);
  if (instance.length > 0) return instanceHover(index, sym.name, instance);
  const tp = index.tracepoint(sym.name.startsWith('trace_') ? tracepointBaseName(sym.name) : sym.name);
  if (tp.length > 0) {
    const t = tp[0];
    return `**tracepoint ${t.system ? t.system + ':' : ''}${t.name}** (${t.kind}${t.eventClass ? ` of class ${t.eventClass}` : ''})\n\n${link(index, t.file, t.pos.line + 1)}`;
  }
  return undefined;
}

function functionHover(index: KernelIndex, e: Explanation, extras: HoverExtras): string {
  const out: string[] = [];
  const head = extras.headline?.(e);
  if (head) out.push(head, '');
  out.push('```c', e.signature, '```');
  const facts: string[] = [link(index, e.file, e.line)];
  if (e.qualifiers.length > 0) facts.push(e.qualifiers.map((q) => `\`${q}\``).join(' '));
  if (e.exported) facts.push(`exported (${e.exported})`);
  facts.push(`${e.callers} direct call site${e.callers === 1 ? '' : 's'}`);
  out.push(facts.join(' · '));
  if (e.query) out.push('', `_${e.query}_ resolves to this definition.`);
  if (e.syscall) out.push('', `**syscall** \`${e.syscall.name}\` (${e.syscall.compat ? 'compat, ' : ''}${e.syscall.nargs} args): ${e.syscall.symbols.map((s) => `\`${s}\``).join(', ')}`);
  if (e.ops.length > 0) {
    out.push('', `**Ops registrations** (${e.ops.length}):`);
    for (const o of e.ops.slice(0, MAX_LISTED)) out.push(`- \`${o.instance}.${o.field}\`${o.struct ? ` (struct ${o.struct})` : ''} — ${link(index, o.file, o.line)}`);
    if (e.ops.length > MAX_LISTED) out.push(`- … ${e.ops.length - MAX_LISTED} more`);
  }
  if (e.tracepoints.length > 0) out.push('', `**Tracepoints fired here:** ${e.tracepoints.map((t) => `\`${t}\``).join(', ')}`);
  for (const section of extras.sections ?? []) {
    const md = section(e);
    if (md) out.push('', md);
  }
  const others = e.otherDefinitions;
  if (others.length > 0) out.push('', `${others.length} other definition${others.length > 1 ? 's' : ''}: ${others.slice(0, 5).map((d) => link(index, d.file, d.line)).join(', ')}${others.length > 5 ? ', …' : ''}`);
  return out.join('\n');
}

function fieldHover(index: KernelIndex, sym: SymbolAt): string | undefined {
  const impls = index.implementationsOf(sym.name);
  if (impls.length === 0) return undefined;
  const structs = [...new Set(impls.map((o) => o.struct).filter(Boolean))];
  const out = [`**field \`${sym.name}\`** — ${impls.length} implementation${impls.length === 1 ? '' : 's'} registered${structs.length ? ` in struct ${structs.slice(0, 4).join(', ')}${structs.length > 4 ? ', …' : ''}` : ''}`, ''];
  for (const o of impls.slice(0, MAX_LISTED)) out.push(`- \`${o.fn}\` via \`${o.instance}\` — ${link(index, o.file, o.pos.line + 1)}`);
  if (impls.length > MAX_LISTED) out.push(`- … ${impls.length - MAX_LISTED} more (Go to Definition lists all)`);
  return out.join('\n');
}

function instanceHover(index: KernelIndex, name: string, members: OpsAssignment[]): string {
  const o = members[0];
  const out = [`**${o.struct ? `struct ${o.struct} ` : ''}${name}** — ${link(index, o.file, o.instancePos.line + 1)}`, ''];
  for (const m of members.slice(0, MAX_LISTED * 2)) out.push(`- \`.${m.field}\` = \`${m.fn}\``);
  if (members.length > MAX_LISTED * 2) out.push(`- … ${members.length - MAX_LISTED * 2} more`);
  return out.join('\n');
}

function link(index: KernelIndex, file: string, line: number): string {
  const uri = pathToFileURL(path.join(index.root, file)).toString();
  return `[${file}:${line}](${uri}#L${line})`;
}
