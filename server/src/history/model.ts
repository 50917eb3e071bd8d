/**
 * The JSON shape of a prototype history (`kpn/history`, `kpn history --json`): one function's
 * prototype at each release tag of the workspace's git clone and in each other tree.
 */
import type { Param } from '../index/model';

export interface Prototype {
  /** Where it was found, relative to that version's tree root. */
  file: string;
  /** 1-based line of the name. */
  line: number;
  signature: string;
  returnType: string;
  params: Param[];
}

export interface VersionEntry {
  /** `v6.1` for a tag, the Makefile version (`6.1.192`) for another tree. */
  label: string;
  /** The tag, or the other tree's absolute path. */
  ref: string;
  state: 'present' | 'absent' | 'error';
  prototype?: Prototype;
  /** Why it is absent or could not be read. */
  reason?: string;
  /** How the prototype differs from the previous version (tags) or from the workspace (trees). */
  changes: string[];
}

export interface HistoryRequest {
  root: string;
  name: string;
  /** The workspace definition the history is about. */
  current: Prototype;
  /** A `SYSCALL_DEFINEn(name, …)` is searched for by its macro, not by `sys_name`. */
  syscall?: { name: string; compat: boolean };
  /** Explicit tags; empty = the most recent release tags (`vX.Y`) reachable from HEAD. */
  tags: string[];
  maxTags: number;
  otherTrees: string[];
}

export interface HistoryResult {
  name: string;
  file: string;
  current: Prototype;
  git: {
    /** `unavailable` when the workspace is not a git clone, git is missing, or no tags fit. */
    state: 'ok' | 'unavailable';
    reason?: string;
    /** Oldest first. */
    versions: VersionEntry[];
    /** `unchanged since v6.1`, `parameter added in v6.12: \`int flags\``, `absent before v6.3`. */
    summary: string[];
  };
  trees: VersionEntry[];
  ms: number;
}
