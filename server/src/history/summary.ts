/** Words for a prototype history: summary lines, per-tree differences, and the hover section. */
import type { HistoryResult, Prototype, VersionEntry } from './model';
import { describeChanges, type Change } from './prototypes';

const WORKING_TREE = 'the working tree';

/** One line per change of `changes` between two versions, labelled with the newer one. */
function changeLine(changes: readonly Change[], label: string): string {
  if (changes.length === 1) return `${changes[0].kind} in ${label}: ${changes[0].detail}`;
  return `changed in ${label}: ${changes.map((c) => `${c.kind} ${c.detail}`).join('; ')}`;
}

/**
 * Walks the tags oldest first, then the working tree, and says where the prototype appeared,
 * changed, moved or vanished; fills each entry's `changes` (against the previous readable one).
 */
export function summariseTags(versions: VersionEntry[], current: Prototype): string[] {
  const lines: string[] = [];
  const seq: VersionEntry[] = [...versions, { label: WORKING_TREE, ref: 'HEAD', state: 'present', prototype: current, changes: [] }];
  let prev: VersionEntry | undefined;
  let first: VersionEntry | undefined;
  let everPresent = false;
  let changed = false;
  for (const v of seq) {
    if (v.state === 'error') {
      lines.push(`${v.label}: not read (${v.reason})`);
      continue;
    }
    if (!prev) {
      first = v;
    } else if (prev.state === 'absent' && v.state === 'present') {
      lines.push(everPresent ? `back in ${v.label}` : `absent before ${v.label}`);
      changed = true;
    } else if (prev.state === 'present' && v.state === 'absent') {
      lines.push(`absent in ${v.label}`);
      changed = true;
    } else if (prev.prototype && v.prototype) {
      const changes = describeChanges(prev.prototype, v.prototype);
      v.changes = changes.map((c) => `${c.kind}: ${c.detail}`);
      if (changes.length) { lines.push(changeLine(changes, v.label)); changed = true; }
      if (prev.prototype.file !== v.prototype.file) lines.push(`moved in ${v.label}: ${prev.prototype.file} → ${v.prototype.file}`);
    }
    everPresent ||= v.state === 'present';
    prev = v;
  }
  if (!changed && first?.state === 'present' && first.label !== WORKING_TREE) lines.unshift(`unchanged since ${first.label}`);
  return lines;
}

/**
 * Differences between another tree and the workspace, told in time order: from the older to
 * the newer of the two (a 6.1 tree next to a 6.12 workspace: "parameter added since 6.1.192").
 */
export function describeTree(label: string, other: Prototype, current: Prototype, otherIsOlder: boolean): string[] {
  const changes = otherIsOlder ? describeChanges(other, current) : describeChanges(current, other);
  return changes.map((c) => `${c.kind} ${otherIsOlder ? 'since' : 'in'} ${label}: ${c.detail}`);
}

/** Markdown for the hover: one line when nothing changed, else one line per differing version or tree. */
export function historyMarkdown(r: HistoryResult): string | undefined {
  const out: string[] = [];
  if (r.git.state === 'ok') out.push(...r.git.summary.map((l) => `- ${l}`));
  const same: string[] = [];
  for (const t of r.trees) {
    if (t.state === 'error') out.push(`- ${t.label}: ${t.reason}`);
    else if (t.state === 'absent') out.push(`- absent in ${t.label}`);
    else if (t.changes.length === 0) same.push(t.label);
    else out.push(...t.changes.map((c) => `- ${c}`));
    if (t.prototype && t.prototype.file !== r.file) out.push(`- in ${t.label} at ${t.prototype.file}`);
  }
  if (same.length) out.push(`- same prototype in ${same.join(', ')}`);
  if (out.length === 0) return undefined;
  const quiet = out.every((l) => l.startsWith('- unchanged since ') || l.startsWith('- same prototype in '));
  if (out.length === 1 || quiet) return `**Prototype history:** ${out.map((l) => l.slice(2)).join(' · ')}`;
  return ['**Prototype history:**', ...out].join('\n');
}
