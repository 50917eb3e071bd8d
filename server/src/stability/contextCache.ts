/**
 * Per-index state the verdicts need, kept across hovers: the AttachContextBuilder (one pass over
 * every call array) and each file's AttachContexts (one token scan of the file's text), both
 * dropped when the index generation changes. Also the per-index settings the language server or
 * the CLI installs once: Makefile ftrace rules, where file text comes from, default evidence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import type { AttachContext } from './attachability';
import { AttachContextBuilder } from './attachContext';
import type { NoFtraceRules } from './ftraceFlags';

/** Text of a file relative to the tree root, e.g. an open editor buffer; undefined = read the disk. */
export type TextSource = (file: string) => string | undefined;

interface State {
  generation: number;
  builder?: AttachContextBuilder;
  files: Map<string, Map<FunctionDef, AttachContext>>;
  noFtrace?: NoFtraceRules;
  text?: TextSource;
}

const MAX_CACHED_FILES = 512;
const states = new WeakMap<KernelIndex, State>();

function state(index: KernelIndex): State {
  let s = states.get(index);
  const gen = index.generation;
  if (!s) states.set(index, (s = { generation: gen, files: new Map() }));
  if (s.generation !== gen) {
    s.generation = gen;
    s.builder = undefined;
    s.files.clear();
  }
  return s;
}

/** Makefile rules that remove the ftrace flags (scanned once per tree by the caller: it is async). */
export function setNoFtraceRules(index: KernelIndex, rules: NoFtraceRules | undefined): void {
  const s = state(index);
  s.noFtrace = rules;
  s.builder = undefined;
  s.files.clear();
}

export function setTextSource(index: KernelIndex, text: TextSource | undefined): void {
  state(index).text = text;
}

/** The AttachContext of one definition, or undefined when its file cannot be read. */
export function attachContextOf(index: KernelIndex, fn: FunctionDef): AttachContext | undefined {
  const s = state(index);
  let contexts = s.files.get(fn.file);
  if (!contexts) {
    const text = s.text?.(fn.file) ?? readText(index.root, fn.file);
    if (text === undefined) return undefined;
    s.builder ??= new AttachContextBuilder(index, s.noFtrace);
    contexts = s.builder.contextsForFile(fn.file, text);
    if (s.files.size >= MAX_CACHED_FILES) s.files.delete(s.files.keys().next().value!);
    s.files.set(fn.file, contexts);
  }
  return contexts.get(fn);
}

function readText(root: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}
