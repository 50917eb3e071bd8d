/**
 * A function's prototype in one version of a file, and what changed between two versions.
 * Extraction is the indexer's own (`factsFromText`); types compare through `normaliseType`, so
 * spelling (whitespace, `const`, `__user`, `unsigned long` vs `long unsigned int`) is no change.
 */
import { normaliseType, showParam } from '../btf/prototypeMatch';
import type { FunctionDef, Param } from '../index/model';
import { factsFromText } from '../index/singleFile';
import type { Prototype } from './model';

/** Every definition of `name` in `text` (several under `#ifdef` alternatives). */
export function prototypesIn(rel: string, text: string, name: string): Prototype[] {
  const facts = factsFromText(rel, text);
  return facts.functions.filter((f) => f.name === name).map(toPrototype);
}

export function toPrototype(f: Pick<FunctionDef, 'file' | 'signature' | 'returnType' | 'params'> & { nameSpan: { start: { line: number } } }): Prototype {
  return { file: f.file, line: f.nameSpan.start.line + 1, signature: f.signature, returnType: f.returnType, params: f.params.map((p) => ({ type: p.type, name: p.name })) };
}

const paramKey = (p: Param) => normaliseType(p.type);

function samePrototype(a: Prototype, b: Prototype): boolean {
  return describeChanges(a, b).length === 0;
}

/** Of several `#ifdef` alternatives, the one most like `like`: equal if any is, else the first. */
export function closest(candidates: readonly Prototype[], like: Prototype): Prototype | undefined {
  return candidates.find((c) => samePrototype(c, like)) ?? candidates[0];
}

export type ChangeKind = 'return type changed' | 'parameter added' | 'parameter removed' | 'parameter type changed';
export interface Change { kind: ChangeKind; detail: string }

/**
 * What changed from `from` to `to`. Parameters inserted or deleted anywhere are named as such
 * (the rest keep their types); anything else is reported position by position.
 */
export function describeChanges(from: Prototype, to: Prototype): Change[] {
  const out: Change[] = [];
  if (normaliseType(from.returnType) !== normaliseType(to.returnType)) {
    out.push({ kind: 'return type changed', detail: `\`${from.returnType}\` → \`${to.returnType}\`` });
  }
  const a = realParams(from.params);
  const b = realParams(to.params);
  const ka = a.map(paramKey);
  const kb = b.map(paramKey);
  if (ka.join('\n') === kb.join('\n')) return out;
  if (kb.length > ka.length && isSubsequence(ka, kb)) {
    for (const i of extraIndices(ka, kb)) out.push({ kind: 'parameter added', detail: `\`${showParam(b[i])}\`` });
  } else if (ka.length > kb.length && isSubsequence(kb, ka)) {
    for (const i of extraIndices(kb, ka)) out.push({ kind: 'parameter removed', detail: `\`${showParam(a[i])}\`` });
  } else {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!a[i]) out.push({ kind: 'parameter added', detail: `\`${showParam(b[i])}\`` });
      else if (!b[i]) out.push({ kind: 'parameter removed', detail: `\`${showParam(a[i])}\`` });
      else if (ka[i] !== kb[i]) out.push({ kind: 'parameter type changed', detail: `${i + 1}: \`${showParam(a[i])}\` → \`${showParam(b[i])}\`` });
    }
  }
  return out;
}

/** `(void)` declares no parameters. */
function realParams(ps: readonly Param[]): Param[] {
  return ps.length === 1 && !ps[0].name && normaliseType(ps[0].type) === 'void' ? [] : [...ps];
}

function isSubsequence(small: readonly string[], big: readonly string[]): boolean {
  let i = 0;
  for (const x of big) if (i < small.length && small[i] === x) i++;
  return i === small.length;
}

/** Indices of `big` not matched by the greedy subsequence walk of `small`. */
function extraIndices(small: readonly string[], big: readonly string[]): number[] {
  const extra: number[] = [];
  let i = 0;
  big.forEach((x, j) => {
    if (i < small.length && small[i] === x) i++;
    else extra.push(j);
  });
  return extra;
}
