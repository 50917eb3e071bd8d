/**
 * Per-index state the verdicts need, kept across hovers: each file's AttachContexts (one token
 * scan of the file's text) and single functions' contexts, all dropped when the index generation
 * changes. Also the per-index settings the language server or
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
  files: Map<string, Map<FunctionDef, AttachContext>>;
  /** Contexts computed one function at a time (hovers, callers in other files). */
  single: Map<FunctionDef, AttachContext>;
  /** The last few files' text: a hover's callers often share a file. */
  texts: Map<string, string>;
  /** Single contexts asked per file: from a few on, the whole-file pass is cheaper. */
  asked: Map<string, number>;
  noFtrace?: NoFtraceRules;
  text?: TextSource;
}

const MAX_CACHED_FILES = 512;
const MAX_CACHED_SINGLE = 20_000;
const MAX_CACHED_TEXTS = 8;
const WHOLE_FILE_AFTER = 4;
const states = new WeakMap<KernelIndex, State>();

function state(index: KernelIndex): State {
  let s = states.get(index);
  const gen = index.generation;
  if (!s) states.set(index, (s = { generation: gen, files: new Map(), single: new Map(), texts: new Map(), asked: new Map() }));
  if (s.generation !== gen) {
    s.generation = gen;
    clearContexts(s);
  }
  return s;
}

/** Makefile rules that remove the ftrace flags (scanned once per tree by the caller: it is async). */
export function setNoFtraceRules(index: KernelIndex, rules: NoFtraceRules | undefined): void {
  const s = state(index);
  s.noFtrace = rules;
  clearContexts(s);
}

function clearContexts(s: State): void {
  s.files.clear();
  s.single.clear();
  s.texts.clear();
  s.asked.clear();
}

export function setTextSource(index: KernelIndex, text: TextSource | undefined): void {
  state(index).text = text;
}

/**
 * The AttachContext of one definition, or undefined when its file cannot be read. From the file's
 * contexts when a CodeLens already computed them, else for this function alone (a hover must not
 * pay for counting every identifier of a 10,000-line file).
 */
export function attachContextOf(index: KernelIndex, fn: FunctionDef): AttachContext | undefined {
  const s = state(index);
  const asked = (s.asked.get(fn.file) ?? 0) + 1;
  if (asked > WHOLE_FILE_AFTER) prepareFile(index, fn.file);
  else s.asked.set(fn.file, asked);
  const whole = s.files.get(fn.file);
  if (whole) return whole.get(fn);
  let one = s.single.get(fn);
  if (!one) {
    const text = textOf(index, s, fn.file);
    if (text === undefined) return undefined;
    one = new AttachContextBuilder(index, s.noFtrace).contextFor(fn, text);
    if (s.single.size >= MAX_CACHED_SINGLE) { s.single.clear(); s.asked.clear(); }
    s.single.set(fn, one);
  }
  return one;
}

/** Computes every function's context in one pass: the CodeLens asks for all of a file's verdicts. */
export function prepareFile(index: KernelIndex, file: string): void {
  const s = state(index);
  if (s.files.has(file)) return;
  const text = textOf(index, s, file);
  if (text === undefined) return;
  if (s.files.size >= MAX_CACHED_FILES) s.files.delete(s.files.keys().next().value!);
  s.files.set(file, new AttachContextBuilder(index, s.noFtrace).contextsForFile(file, text));
}

function textOf(index: KernelIndex, s: State, file: string): string | undefined {
  const open = s.text?.(file);
  if (open !== undefined) return open;
  let text = s.texts.get(file);
  if (text === undefined) {
    text = readText(index.root, file);
    if (text === undefined) return undefined;
    if (s.texts.size >= MAX_CACHED_TEXTS) s.texts.delete(s.texts.keys().next().value!);
    s.texts.set(file, text);
  }
  return text;
}

function readText(root: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}
