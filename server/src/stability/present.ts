/** How a verdict reads in the hover and in a CodeLens title (pure text; the LSP glue sends it). */
import type { Verdict } from './verdict';

const MAX_REASONS = 8;
const MAX_ALTERNATIVES = 5;

/** Headline in bold, then the reasons with their evidence, then what to try instead. */
export function verdictMarkdown(v: Verdict): string {
  const out = [`**${escape(v.headline)}**`];
  for (const r of v.reasons.slice(0, MAX_REASONS)) out.push(`- ${r}`);
  if (v.reasons.length > MAX_REASONS) out.push(`- … ${v.reasons.length - MAX_REASONS} more`);
  if (v.alternatives.length > 0) {
    out.push('', `**Try instead:** ${v.alternatives.slice(0, MAX_ALTERNATIVES).map((a) => `\`${a.name}\` (${a.kind}: ${escape(a.why)})`).join(' · ')}`);
  }
  return out.join('\n');
}

/** A non-attachable verdict in a few words, for headlines and lens titles. */
export const SHORT_REASON: Record<string, string> = {
  inlined: 'inlined', 'maybe-inlined': 'probably inlined', clone: 'compiler clone', duplicate: 'header static, one copy per includer',
  notrace: 'notrace', nokprobe: 'kprobes refuse it', init: '__init: freed after boot', absent: 'not in the build', 'kprobe-only': 'no fentry',
};

/** What qualifies "attachable" for this verdict, with its leading space, or ''. */
export function attachableNote(v: Verdict): string {
  switch (v.verdict) {
    case 'selectively-inlined': return ' (may miss inlined calls)';
    case 'collision': return ' (ambiguous name)';
    default: return '';
  }
}

/** "not attachable: inlined (static, 1 caller) — try tcp_v4_connect". */
export function notAttachableTitle(v: Verdict, detail?: string): string {
  const why = `${SHORT_REASON[v.verdict] ?? v.verdict}${detail ? ` (${detail})` : ''}`;
  const alt = v.alternatives[0];
  return `not attachable: ${why}${alt ? ` — try ${alt.name}` : ''}`;
}

function escape(s: string): string {
  return s.replace(/([*_[\]])/g, '\\$1');
}
