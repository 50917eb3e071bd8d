/** `kpn.history.*` settings, checked: a bad value is dropped with a reason, never used. */
import * as path from 'node:path';
import { MAX_TAGS, validTagName } from './releaseTags';

export interface HistorySettings {
  enabled: boolean;
  /** Explicit tags, oldest first; empty = the most recent release tags reachable from HEAD. */
  tags: string[];
  maxTags: number;
  /** Absolute paths of other kernel trees to compare with. */
  otherTrees: string[];
}

export const DEFAULT_SETTINGS: HistorySettings = { enabled: true, tags: [], maxTags: 8, otherTrees: [] };

export function readSettings(raw: unknown, problems: string[] = []): HistorySettings {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const s: HistorySettings = { ...DEFAULT_SETTINGS, tags: [], otherTrees: [] };
  if (typeof o.enabled === 'boolean') s.enabled = o.enabled;
  if (o.maxTags !== undefined) {
    if (Number.isInteger(o.maxTags) && (o.maxTags as number) >= 1 && (o.maxTags as number) <= MAX_TAGS) s.maxTags = o.maxTags as number;
    else problems.push(`kpn.history.maxTags must be an integer from 1 to ${MAX_TAGS}; using ${s.maxTags}`);
  }
  for (const t of Array.isArray(o.tags) ? o.tags : []) {
    if (typeof t === 'string' && validTagName(t)) s.tags.push(t);
    else problems.push(`kpn.history.tags: ignoring ${JSON.stringify(t)} (not a tag name)`);
  }
  for (const t of Array.isArray(o.otherTrees) ? o.otherTrees : []) {
    if (typeof t === 'string' && path.isAbsolute(t)) s.otherTrees.push(path.normalize(t));
    else problems.push(`kpn.history.otherTrees: ignoring ${JSON.stringify(t)} (not an absolute path)`);
  }
  return s;
}
